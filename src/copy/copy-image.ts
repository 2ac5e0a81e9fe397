import createDebug from 'debug';
import { HoistError } from '../errors.js';
import {
  chooseInstance,
  formatPlatform,
  samePlatform,
  digestBytes,
  signatureToBlob,
  parseImageConfig,
  parseManifest,
  verifyBytes,
  type Descriptor,
  type Signature,
  type WantedPlatform,
} from '../manifest/index.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import type { BlobKind, EventListener } from '../progress/events.js';
import type { NewImage, Store } from '../store/index.js';
import type { ImageSource, RawManifest } from '../transports/image-source.js';
import { runLimited } from './run-limited.js';

const debug = createDebug('hoist:copy');

export const DEFAULT_MAX_PARALLEL = 6;

export interface CopyOptions {
  platform: WantedPlatform;
  /**
   * Asked about the single-platform manifest chosen, before any other blob is read (the trust
   * policy): throws to refuse the image, else returns the signatures to keep with it.
   */
  authorize?: (manifest: RawManifest) => Promise<Signature[]>;
  maxParallel?: number;
  signal?: AbortSignal;
  onEvent?: EventListener;
}

/**
 * Copies one image from any source into the store: picks the platform's instance of an index,
 * then copies config and layers (skipping stored ones; streamed, verified, in parallel), then the
 * manifest. It does not name the image: the caller commits the record.
 */
export async function copyImage(source: ImageSource, store: Store, options: CopyOptions): Promise<NewImage> {
  const emit: EventListener = options.onEvent ?? (() => undefined);
  const top = await source.getManifest(undefined, signalOption(options.signal));
  const { raw, manifest, indexDigest, platform } = await selectInstance(source, top, options);
  const signatures = (await options.authorize?.(raw)) ?? [];
  emit({ type: 'copy-start', source: source.description });
  if (signatures.length > 0) emit({ type: 'signatures-check' });
  const endInFlight = await store.markInFlight([raw.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
  const written: string[] = [];
  try {
    const blobs: { desc: Descriptor; kind: BlobKind }[] = [
      { desc: manifest.config, kind: 'config' },
      ...manifest.layers.map((desc) => ({ desc, kind: 'layer' as const })),
    ];
    // The config goes first in line but not alone: waiting for it cost a round trip before any
    // layer started. Being small, it still lands first, and a bad one aborts the layers at once.
    await runLimited(
      blobs.map((blob) => (signal: AbortSignal, release: () => void) => copyBlob(source, store, blob, { emit, signal, release }, written)),
      options.maxParallel ?? DEFAULT_MAX_PARALLEL,
      options.signal,
    );
    const config = parseImageConfig(await store.readSmallBlob(manifest.config.digest), `${source.description}: config`);
    const actual = { os: config.os ?? '', architecture: config.architecture ?? '', ...(config.variant ? { variant: config.variant } : {}) };
    if (indexDigest === undefined && !samePlatform(actual, options.platform, false)) {
      emit({
        type: 'warning',
        message: `image platform (${formatPlatform(actual)}) does not match the expected platform (${formatPlatform(options.platform)})`,
      });
    }
    emit({ type: 'manifest-write' });
    await store.writeSmallBlob(raw.digest, raw.bytes);
    const signatureDigests = await storeSignatures(store, signatures, written, emit);
    const id = manifest.config.digest.slice(manifest.config.digest.indexOf(':') + 1);
    return {
      id,
      configDigest: manifest.config.digest,
      manifestDigest: raw.digest,
      manifestMediaType: manifest.mediaType,
      manifestSize: raw.bytes.length,
      ...(indexDigest !== undefined ? { indexDigest } : {}),
      ...(signatureDigests.length > 0 ? { signatures: signatureDigests } : {}),
      platform: platform ?? { os: actual.os, architecture: actual.architecture, ...(actual.variant ? { variant: actual.variant } : {}) },
    };
  } catch (err) {
    // A failed pull leaves the store as it was: the blobs it wrote go (unless others need them).
    await endInFlight();
    await store.discardBlobs(written).catch((cleanupError: unknown) => debug('cannot remove blobs of the failed pull: %O', cleanupError));
    throw err;
  } finally {
    await endInFlight();
  }
}

async function selectInstance(source: ImageSource, top: RawManifest, options: CopyOptions) {
  const parsed = parseManifest(top.bytes, top.mediaType, source.description);
  if (parsed.kind === 'manifest') return { raw: top, manifest: parsed, indexDigest: undefined, platform: undefined };
  const chosen = chooseInstance(parsed.manifests, options.platform, source.description);
  debug('chose %s (%s) from index %s', chosen.digest, formatPlatform(chosen.platform!), top.digest);
  const raw = await source.getManifest(chosen.digest, signalOption(options.signal));
  verifyBytes(raw.bytes, chosen.digest, `manifest of ${source.description}`);
  const manifest = parseManifest(raw.bytes, chosen.mediaType || raw.mediaType, `${source.description}@${chosen.digest}`);
  if (manifest.kind !== 'manifest') {
    throw new HoistError('INVALID_MANIFEST', `${source.description}: index entry ${chosen.digest} is itself an index`);
  }
  return { raw, manifest, indexDigest: top.digest, platform: chosen.platform };
}

/** Copies one blob; `release` is called once its bytes are read (the slot then serves the next download). */
async function copyBlob(
  source: ImageSource,
  store: Store,
  { desc, kind }: { desc: Descriptor; kind: BlobKind },
  { emit, signal, release }: { emit: EventListener; signal: AbortSignal; release: () => void },
  written: string[],
): Promise<void> {
  const base = { kind, digest: desc.digest };
  if (await store.hasBlob(desc.digest)) {
    emit({ type: 'blob-done', ...base, size: desc.size, skipped: true });
    return;
  }
  emit({ type: 'blob-start', ...base, size: desc.size });
  let bytes = 0;
  const read = async (sink: ChunkSink) => {
    try {
      await source.readBlob(desc, sink, { signal });
    } finally {
      release();
    }
  };
  const result = await store.writeBlob(desc, read, {
    signal,
    onBytes: (n) => {
      bytes += n;
      emit({ type: 'blob-progress', ...base, bytes, size: desc.size });
    },
    onWait: () => emit({ type: 'blob-wait', ...base }),
  });
  if (result === 'written') written.push(desc.digest);
  emit({ type: 'blob-done', ...base, size: desc.size, skipped: result === 'exists' });
}

/** Writes the accepted signatures as blobs (c/image's blob format), after the manifest, as Podman stores them. */
async function storeSignatures(store: Store, signatures: readonly Signature[], written: string[], emit: EventListener): Promise<string[]> {
  if (signatures.length === 0) return [];
  emit({ type: 'signatures-store' });
  const digests: string[] = [];
  for (const signature of signatures) {
    const blob = signatureToBlob(signature);
    const digest = digestBytes(blob);
    if (!(await store.hasBlob(digest))) {
      await store.writeSmallBlob(digest, blob);
      written.push(digest);
    }
    digests.push(digest);
  }
  return digests;
}

function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
