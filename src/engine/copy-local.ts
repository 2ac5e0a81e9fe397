import { copyImage } from '../copy/index.js';
import { wantedPlatform } from '../manifest/index.js';
import { storeFullError } from '../store/index.js';
import type { LocalName, LocalTransport } from '../transports/index.js';
import type { PulledImage } from './options.js';
import type { PullContext } from './pull-context.js';

/**
 * Copies the image a local transport (oci, dir, archives) selects, named by the transport's rule.
 * Pull policies are for registries: a local source is always read, and stored blobs are skipped.
 */
export async function copyFromLocal(transport: LocalTransport, parsed: LocalName, ctx: PullContext): Promise<PulledImage> {
  const { store, options } = ctx;
  // Opening may decompress an archive into the store's tmp/: a full disk there is the store's.
  const { source, names } = await transport
    .open(parsed, { tmpDir: store.paths.tmp, ...(options.signal ? { signal: options.signal } : {}) })
    .catch((err: unknown) => {
      throw storeFullError(err, store.root);
    });
  try {
    const { localAuthorizer } = await import('./trust-entry.js');
    const record = await copyImage(source, store, {
      platform: wantedPlatform(options.platform ?? {}),
      names,
      authorize: localAuthorizer(ctx, transport, parsed, source),
      maxParallel: ctx.maxParallel,
      onEvent: ctx.emit,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    ctx.emit({ type: 'copy-done', id: record.id });
    return { id: record.id, names, manifestDigest: record.manifestDigest };
  } finally {
    await source.close();
  }
}
