import { copyImage } from '../copy/index.js';
import { wantedPlatform } from '../manifest/index.js';
import type { Store } from '../store/index.js';
import type { LocalTransport } from '../transports/index.js';
import type { PulledImage, PullOptions } from './options.js';

/** Copies the image a local transport (oci, dir, archives) selects, named by the transport's rule. */
export async function copyFromLocal(transport: LocalTransport, reference: string, store: Store, options: PullOptions): Promise<PulledImage> {
  const { source, names } = await transport.open(reference, { tmpDir: store.paths.tmp, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    const copied = await copyImage(source, store, {
      platform: wantedPlatform(options.platform ?? {}),
      ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const { manifest: _manifest, ...image } = copied;
    const record = await store.commitImage(image, names);
    options.onEvent?.({ type: 'copy-done', id: record.id });
    return { id: record.id, names, manifestDigest: record.manifestDigest };
  } finally {
    await source.close();
  }
}
