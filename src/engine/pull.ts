import { HoistError } from '../errors.js';
import { formatReference, parseReference } from '../reference/index.js';
import { localTransport, parseImageName } from '../transports/index.js';
import { copyFromLocal } from './copy-local.js';
import { copyFromRegistry } from './copy-registry.js';
import type { PulledImage, PullOptions } from './options.js';
import { createPullContext } from './pull-context.js';

/**
 * Pulls the image NAME names into the store: `docker://` or bare registry names, `oci:`, `dir:`,
 * `docker-archive:`, `oci-archive:`. Returns one entry per pulled image (several with allTags).
 */
export async function pull(name: string, options: PullOptions = {}): Promise<PulledImage[]> {
  const { transport, reference } = parseImageName(name);
  const ctx = await createPullContext(options);
  const local = localTransport(transport);
  if (local === undefined) {
    // As Podman: `docker://NAME` is normalized (docker.io/library/…), never resolved as a short name.
    return copyFromRegistry(name.startsWith('docker://') ? formatReference(parseReference(reference)) : reference, ctx);
  }
  if (options.allTags) throw new HoistError('INVALID_ARGUMENT', `--all-tags applies to registry images only, not ${transport}: transport`);
  return [await copyFromLocal(local, reference, ctx)];
}
