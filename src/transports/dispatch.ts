import { dirTransport } from './dir.js';
import type { TransportName } from './names.js';
import { ociTransport } from './oci.js';
import type { LocalTransport } from './transport.js';

/** Every local transport by name: adding one is one module and one line here. */
const localTransports: Partial<Record<TransportName, LocalTransport>> = {
  oci: ociTransport,
  dir: dirTransport,
};

export function localTransport(name: TransportName): LocalTransport | undefined {
  return localTransports[name];
}
