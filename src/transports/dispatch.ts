import { dirTransport } from './dir.js';
import { dockerArchiveTransport } from './docker-archive.js';
import type { TransportName } from './names.js';
import { ociArchiveTransport } from './oci-archive.js';
import { ociTransport } from './oci.js';
import type { LocalTransport } from './transport.js';

/** Every local transport by name: adding one is one module and one line here. */
const localTransports: Partial<Record<TransportName, LocalTransport>> = {
  oci: ociTransport,
  dir: dirTransport,
  'docker-archive': dockerArchiveTransport,
  'oci-archive': ociArchiveTransport,
};

export function localTransport(name: TransportName): LocalTransport | undefined {
  return localTransports[name];
}
