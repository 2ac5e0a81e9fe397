import { HoistError } from '../errors.js';
import { defaultStoreRoot, Store } from '../store/index.js';
import { localTransport, parseImageName } from '../transports/index.js';
import { copyFromLocal } from './copy-local.js';
import type { PulledImage, PullOptions } from './options.js';

/**
 * Pulls the image NAME names into the store: `docker://` or bare registry names, `oci:`, `dir:`,
 * `docker-archive:`, `oci-archive:`. Returns one entry per pulled image.
 */
export async function pull(name: string, options: PullOptions = {}): Promise<PulledImage[]> {
  const { transport, reference } = parseImageName(name);
  const store = options.store ?? (await Store.open(options.root ?? defaultStoreRoot()));
  const local = localTransport(transport);
  if (local !== undefined) return [await copyFromLocal(local, reference, store, options)];
  throw new HoistError('UNSUPPORTED_TRANSPORT', `pulling from registries is not available yet: ${name}`);
}
