import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import { abortError, isHoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { claimBlob } from './claims.js';
import { syncDirectory } from '../io/atomic-write.js';
import type { StorePaths } from './layout.js';
import { VerifyingFileSink, type ExpectedBlob } from './verifying-sink.js';

const debug = createDebug('hoist:store');

export type BlobWriteResult = 'written' | 'exists';

/**
 * Delivers a blob's bytes into `sink`, from byte `offset` on (0 unless the writer was told it may
 * resume), resolving after the last (see ChunkSink).
 */
export type BlobReader = (sink: ChunkSink, offset: number) => Promise<void>;

export interface BlobWriteOptions {
  signal?: AbortSignal;
  /**
   * The reader can start mid-blob (HTTP Range): a partial blob that a killed or failed download
   * left is then continued rather than fetched again. Without it, a partial blob is started over.
   */
  resume?: boolean;
  /** Bytes that reached the file (a resumed prefix counts once, when it is adopted). */
  onBytes?: (n: number) => void;
  /** Called once when another process is found downloading the same blob and we wait for it. */
  onWait?: () => void;
}

const CLAIM_POLL_MS = 100;

export async function blobExists(paths: StorePaths, digest: string): Promise<boolean> {
  return access(paths.blob(digest)).then(
    () => true,
    () => false,
  );
}

/**
 * Streams a blob into the store: its ingest file in tmp/, hashed while written, fsynced, verified,
 * renamed to its content address. A blob that fails verification never reaches `blobs/`. When
 * another process is already downloading the same blob, waits for it to land instead of fetching
 * twice. Only the claim holder touches a blob's ingest file, which is what makes resuming it safe.
 */
export async function writeBlob(paths: StorePaths, expected: ExpectedBlob, read: BlobReader, options: BlobWriteOptions = {}): Promise<BlobWriteResult> {
  const final = paths.blob(expected.digest);
  let waited = false;
  for (;;) {
    if (await blobExists(paths, expected.digest)) return 'exists';
    const release = await claimBlob(paths, expected.digest);
    if (release !== undefined) {
      try {
        // The blob may have landed between our check and our claim.
        if (await blobExists(paths, expected.digest)) return 'exists';
        await readIntoBlob(paths, final, expected, read, options);
        return 'written';
      } finally {
        await release();
      }
    }
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    if (options.signal?.aborted) throw abortError(options.signal);
    await sleep(CLAIM_POLL_MS, undefined, options.signal ? { signal: options.signal } : {}).catch(() => {
      throw abortError(options.signal!);
    });
  }
}

async function readIntoBlob(paths: StorePaths, final: string, expected: ExpectedBlob, read: BlobReader, options: BlobWriteOptions): Promise<void> {
  const ingest = paths.ingest(expected.digest);
  const offset = options.resume ? await resumableBytes(ingest, expected) : 0;
  // 'a+' continues what an earlier download left (writes append, the prefix is read back to be
  // hashed); 'w' starts afresh, truncating a partial blob that cannot be continued.
  const file = await open(ingest, offset > 0 ? 'a+' : 'w', 0o644);
  const sink = new VerifyingFileSink(file.fd, expected, options.onBytes);
  let keepPartial = false;
  try {
    try {
      const { signal } = options;
      if (signal?.aborted) throw abortError(signal);
      if (offset > 0) {
        debug('resuming %s at byte %d of %d', expected.digest, offset, expected.size);
        await sink.adoptPrefix(file, offset);
      }
      // A partial blob that is already whole (killed between its last byte and the rename) needs
      // no request at all: the digest below decides.
      if (offset !== expected.size) {
        await read(
          signal === undefined
            ? sink.write
            : (chunk) => {
                if (signal.aborted) throw abortError(signal);
                return sink.write(chunk);
              },
          offset,
        );
      }
      sink.end();
      sink.verify();
      await file.sync();
    } catch (err) {
      if (options.resume && worthResuming(err, sink, options.signal)) {
        sink.end(); // bytes received but still gathered in memory belong to the prefix kept
        keepPartial = true;
      }
      throw err;
    } finally {
      await file.close();
    }
    await mkdir(dirname(final), { recursive: true });
    await rename(ingest, final);
    await syncDirectory(dirname(final));
    debug('stored blob %s (%d bytes)', expected.digest, sink.bytes);
  } catch (err) {
    if (!keepPartial) await rm(ingest, { force: true });
    if (options.signal?.aborted) throw abortError(options.signal);
    throw err;
  }
}

/** The bytes of a partial blob that a reader may continue: some, and no more than the whole. */
async function resumableBytes(ingest: string, expected: ExpectedBlob): Promise<number> {
  const size = (await stat(ingest).catch(() => undefined))?.size ?? 0;
  return expected.size !== undefined && size <= expected.size ? size : 0;
}

/**
 * For a reader that can resume, keeps the bytes of a download the network cut off (a failure the
 * source gave up on) for the next pull to continue. Bytes that failed verification, a write that
 * failed (a full disk), or a download the user stopped are removed. A wrong prefix kept here is
 * caught by the digest at the end.
 */
function worthResuming(err: unknown, sink: VerifyingFileSink, signal: AbortSignal | undefined): boolean {
  return sink.bytes > 0 && signal?.aborted !== true && isHoistError(err) && err.retryable;
}

/** Stores a small blob held in memory (manifests, configs), verified against `digest`. */
export async function writeSmallBlob(paths: StorePaths, digest: string, bytes: Buffer): Promise<void> {
  await writeBlob(paths, { digest, size: bytes.length }, async (sink) => sink(bytes));
}
