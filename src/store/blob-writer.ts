import { access, mkdir, open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import { abortError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { parseDigest } from '../reference/index.js';
import { syncDirectory, type StorePaths } from './layout.js';
import { processIsAlive } from './process-alive.js';
import { VerifyingFileSink, type ExpectedBlob } from './verifying-sink.js';

const debug = createDebug('hoist:store');

export type BlobWriteResult = 'written' | 'exists';

/** Delivers a blob's bytes into `sink`, resolving after the last (see ChunkSink). */
export type BlobReader = (sink: ChunkSink) => Promise<void>;

export interface BlobWriteOptions {
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
  /** Called once when another process is found downloading the same blob and we wait for it. */
  onWait?: () => void;
}

/** A claim untouched this long belongs to a process that hung or died on another host. */
const CLAIM_STALE_MS = 60_000;
const CLAIM_POLL_MS = 100;

export async function blobExists(paths: StorePaths, digest: string): Promise<boolean> {
  return access(paths.blob(digest)).then(() => true, () => false);
}

/**
 * Streams a blob into the store: tmp file, hashed while written, fsynced, verified, renamed to
 * its content address. A blob that fails verification never reaches `blobs/`. When another
 * process is already downloading the same blob, waits for it to land instead of fetching twice.
 */
export async function writeBlob(
  paths: StorePaths,
  expected: ExpectedBlob,
  read: BlobReader,
  options: BlobWriteOptions = {},
): Promise<BlobWriteResult> {
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
  const tmp = paths.tmpFile(`blob-${parseDigest(expected.digest).hex.slice(0, 16)}`);
  // Opened before anything can fail, so the cleanup below always has a file to remove.
  const file = await open(tmp, 'wx', 0o644);
  const sink = new VerifyingFileSink(file.fd, expected, options.onBytes);
  try {
    try {
      const { signal } = options;
      if (signal?.aborted) throw abortError(signal);
      await read(
        signal === undefined
          ? sink.write
          : (chunk) => {
              if (signal.aborted) throw abortError(signal);
              return sink.write(chunk);
            },
      );
      sink.end();
      sink.verify();
      await file.sync();
    } finally {
      await file.close();
    }
    await mkdir(dirname(final), { recursive: true });
    await rename(tmp, final);
    await syncDirectory(dirname(final));
    debug('stored blob %s (%d bytes)', expected.digest, sink.bytes);
  } catch (err) {
    await rm(tmp, { force: true });
    if (options.signal?.aborted) throw abortError(options.signal);
    throw err;
  }
}

/** Stores a small blob held in memory (manifests, configs), verified against `digest`. */
export async function writeSmallBlob(paths: StorePaths, digest: string, bytes: Buffer): Promise<void> {
  await writeBlob(paths, { digest, size: bytes.length }, async (sink) => sink(bytes));
}

/**
 * Claims the right to download a blob across processes: an exclusive-create claim file holding
 * our pid. Returns undefined while a live process holds it. A claim of a dead process (or one
 * not refreshed for CLAIM_STALE_MS) is broken so an interrupted download never blocks others.
 */
async function claimBlob(paths: StorePaths, digest: string): Promise<(() => Promise<void>) | undefined> {
  const { algorithm, hex } = parseDigest(digest);
  const claim = join(paths.tmp, `claim-${algorithm}-${hex}`);
  try {
    await writeFile(claim, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (await claimIsAbandoned(claim)) {
      debug('breaking abandoned claim %s', claim);
      await rm(claim, { force: true });
    }
    return undefined;
  }
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(claim, now, now).catch(() => undefined);
  }, CLAIM_STALE_MS / 4);
  refresh.unref();
  return async () => {
    clearInterval(refresh);
    await rm(claim, { force: true });
  };
}

async function claimIsAbandoned(claim: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(claim, 'utf8'), stat(claim)]);
    const pid = Number(content);
    if (Date.now() - info.mtimeMs > CLAIM_STALE_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1_000;
    return !processIsAlive(pid);
  } catch {
    return false; // vanished meanwhile: the next round will see the blob or claim anew
  }
}

