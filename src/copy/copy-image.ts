import createDebug from 'debug';
import { abortError, HoistError, isHoistError } from '../errors.js';
import {
  chooseInstance,
  configPlatform,
  formatPlatform,
  samePlatform,
  digestBytes,
  MAX_MANIFEST_BYTES,
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
import { imageIdOf } from '../reference/index.js';
import type { BlobWriteResult, ImageRecord, Store } from '../store/index.js';
import type { ImageSource, PinnedManifest, RawManifest } from '../source/image-source.js';
import { runLimited } from '../io/run-limited.js';

const debug = createDebug('hoist:copy');

export const DEFAULT_MAX_PARALLEL = 6;

export interface CopyOptions {
  platform: WantedPlatform;
  /** Full names to record the image under (none: unnamed, known by ID). */
  names: readonly string[];
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
 * Copies one image from any source into the store and records it under `options.names`: picks the
 * platform's instance of an index, then copies config and layers (skipping stored ones; streamed,
 * verified, in parallel), then the manifest. From the first look at which blobs are stored to the
 * record, the image's blobs are marked in flight, so a concurrent rmi cannot collect them. A
 * failed copy keeps the blobs it verified (unnamed until an image needs them; rmi collects them).
 */
export async function copyImage(source: ImageSource, store: Store, options: CopyOptions): Promise<ImageRecord> {
  const emit: EventListener = options.onEvent ?? (() => undefined);
  const top = await readTopManifest(source, options.signal);
  const { raw, manifest, indexDigest, platform } = await selectInstance(source, top, options);
  if (manifest.config.size > MAX_MANIFEST_BYTES) {
    throw new HoistError(
      'INVALID_MANIFEST',
      `${source.description}: the config declares ${manifest.config.size} bytes, more than the ${MAX_MANIFEST_BYTES} an image config may have`,
    );
  }
  const signatures = ((await options.authorize?.(raw)) ?? []).map((signature) => {
    const blob = signatureToBlob(signature);
    return { blob, digest: digestBytes(blob) };
  });
  emit({ type: 'copy-start', source: source.description });
  if (signatures.length > 0) emit({ type: 'signatures-check' });
  const endInFlight = await store.markInFlight([
    raw.digest,
    manifest.config.digest,
    ...manifest.layers.map((l) => l.digest),
    ...signatures.map((s) => s.digest),
  ]);
  try {
    const blobs: { desc: Descriptor; kind: BlobKind }[] = [
      { desc: manifest.config, kind: 'config' },
      ...manifest.layers.map((desc) => ({ desc, kind: 'layer' as const })),
    ];
    // The config goes first in line but not alone: waiting for it cost a round trip before any
    // layer started. Being small, it still lands first, and a bad one aborts the layers at once.
    await runLimited(
      blobs.map((blob) => (signal: AbortSignal, release: () => void) => copyBlob(source, store, blob, { emit, signal, release })),
      options.maxParallel ?? DEFAULT_MAX_PARALLEL,
      options.signal,
    );
    const config = parseImageConfig(await store.readSmallBlob(manifest.config.digest), `${source.description}: config`);
    const actual = configPlatform(config);
    if (indexDigest === undefined && !samePlatform(actual, options.platform, false)) {
      emit({
        type: 'warning',
        code: 'PLATFORM_MISMATCH',
        message: `image platform (${formatPlatform(actual)}) does not match the expected platform (${formatPlatform(options.platform)})`,
      });
    }
    // An abort that came while the last blobs landed still stops the copy: nothing is recorded.
    if (options.signal?.aborted) throw abortError(options.signal);
    emit({ type: 'manifest-write' });
    await store.writeSmallBlob(raw.digest, raw.bytes);
    const signatureDigests = await storeSignatures(store, signatures, emit);
    const id = imageIdOf(manifest.config.digest);
    const image = {
      id,
      configDigest: manifest.config.digest,
      manifestDigest: raw.digest,
      manifestMediaType: manifest.mediaType,
      manifestSize: raw.bytes.length,
      ...(indexDigest !== undefined ? { indexDigest } : {}),
      ...(signatureDigests.length > 0 ? { signatures: signatureDigests } : {}),
      platform: platform ?? { os: actual.os, architecture: actual.architecture, ...(actual.variant ? { variant: actual.variant } : {}) },
    };
    return await store.commitImage(image, options.names);
  } finally {
    await endInFlight();
  }
}

async function selectInstance(source: ImageSource, top: RawManifest, options: CopyOptions) {
  const parsed = parseManifest(top.bytes, top.mediaType, source.description);
  if (parsed.kind === 'manifest') return { raw: top, manifest: parsed, indexDigest: undefined, platform: undefined };
  const chosen = chooseInstance(parsed.manifests, options.platform, source.description);
  debug('chose %s (%s) from index %s', chosen.digest, formatPlatform(chosen.platform!), top.digest);
  const raw = verifiedManifest(await source.getManifest(chosen.digest, signalOption(options.signal)), source.description, {
    ...chosen,
    declaredBy: 'index entry',
  });
  const manifest = parseManifest(raw.bytes, chosen.mediaType || raw.mediaType, `${source.description}@${chosen.digest}`);
  if (manifest.kind !== 'manifest') {
    throw new HoistError('INVALID_MANIFEST', `${source.description}: index entry ${chosen.digest} is itself an index`);
  }
  return { raw, manifest, indexDigest: top.digest, platform: chosen.platform };
}

/** The source's top-level manifest (or index), verified as every manifest the copier reads. */
export async function readTopManifest(source: ImageSource, signal?: AbortSignal): Promise<RawManifest> {
  return verifiedManifest(await source.getManifest(undefined, signalOption(signal)), source.description, source.pinned);
}

/**
 * The copier verifies every manifest itself, whatever the source did: a source delivers bytes, and
 * a third-party ImageSource (or a broken transport) may claim any digest. The bytes must hash to
 * the digest the source reports (it becomes the record's manifest digest), and to the digest and
 * size they were asked for by (an index entry, or the digest the name pins), when there is one.
 */
function verifiedManifest(raw: RawManifest, what: string, wanted?: PinnedManifest): RawManifest {
  const asked = wanted !== undefined && raw.digest === wanted.digest;
  verifyBytes(raw.bytes, raw.digest, asked ? `manifest in ${what}` : `manifest in ${what} (the digest the source reported)`);
  if (wanted === undefined) return raw;
  if (!asked) verifyBytes(raw.bytes, wanted.digest, `manifest in ${what}`);
  if (wanted.size !== undefined && raw.bytes.length !== wanted.size) {
    throw new HoistError(
      'SIZE_MISMATCH',
      `${what}: ${wanted.declaredBy ?? 'the entry for'} ${wanted.digest} declares ${wanted.size} bytes, the manifest has ${raw.bytes.length}`,
      {
        details: { reference: wanted.digest, expected: wanted.size, actual: raw.bytes.length },
      },
    );
  }
  return raw;
}

/**
 * Copies one blob; `release` is called once its bytes are read (the slot then serves the next
 * download). A remote blob whose bytes do not match its digest is fetched once more from the start
 * before the copy gives up: a bit flipped on the way should not cost the whole pull.
 */
async function copyBlob(
  source: ImageSource,
  store: Store,
  { desc, kind }: { desc: Descriptor; kind: BlobKind },
  { emit, signal, release }: { emit: EventListener; signal: AbortSignal; release: () => void },
): Promise<void> {
  const base = { kind, digest: desc.digest };
  if (await store.hasBlob(desc.digest)) {
    emit({ type: 'blob-done', ...base, size: desc.size, skipped: true });
    return;
  }
  emit({ type: 'blob-start', ...base, size: desc.size });
  const remote = source.remote === true;
  let bytes = 0;
  const read = async (sink: ChunkSink, offset: number) => {
    try {
      await source.readBlob(desc, sink, { signal, ...(offset > 0 ? { offset } : {}) });
    } finally {
      release();
    }
  };
  const write = () =>
    store.writeBlob(desc, read, {
      signal,
      resume: remote,
      onBytes: (n) => {
        bytes += n;
        emit({ type: 'blob-progress', ...base, bytes, size: desc.size });
      },
      onWait: () => emit({ type: 'blob-wait', ...base }),
    });
  let result: BlobWriteResult;
  try {
    result = await write();
  } catch (err) {
    if (!remote || !isHoistError(err, 'DIGEST_MISMATCH') || signal.aborted) throw err;
    emit({ type: 'warning', code: 'DIGEST_REFETCH', message: `${err.message}; fetching the blob once more` });
    bytes = 0;
    result = await write();
  }
  emit({ type: 'blob-done', ...base, size: desc.size, skipped: result === 'exists' });
}

/** Writes the accepted signatures as blobs (c/image's blob format), after the manifest, as Podman stores them. */
async function storeSignatures(store: Store, signatures: readonly { blob: Buffer; digest: string }[], emit: EventListener): Promise<string[]> {
  if (signatures.length === 0) return [];
  emit({ type: 'signatures-store' });
  for (const { blob, digest } of signatures) await store.writeSmallBlob(digest, blob);
  return signatures.map((s) => s.digest);
}

function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
