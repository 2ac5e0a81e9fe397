import { randomBytes } from 'node:crypto';
import { open, rm, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortError, isHoistError } from '../errors.js';
import { invalidArchive } from './archive-error.js';
import type { TarBytes, TarBytesLimit } from './tar-bytes.js';

/** zlib's output chunks, each one write(2) to the copy: small writes are cheap in the page cache (see decisions.md). */
const WRITE_BYTES = 64 * 1024;

export interface GunzipCopyOptions {
  /** The archive as the user named it, for messages. */
  archivePath: string;
  /** Where the copy is written (the store's tmp/, on the same filesystem). */
  tmpDir: string;
  limit: TarBytesLimit;
  signal?: AbortSignal;
}

/**
 * The bound on a decompressed copy: half the space free where it is written. The image's blobs
 * are written next, beside the copy, and they are nearly all of it, so a larger copy leaves no
 * room for them; a refused archive leaves half the space free, whatever it holds.
 */
export async function decompressionLimit(tmpDir: string): Promise<TarBytesLimit> {
  const { bavail, bsize } = await statfs(tmpDir);
  const bytes = Math.floor((bavail * bsize) / 2);
  return {
    bytes,
    words: `the decompressed copy may take at most ${bytes} bytes (half the space free in ${tmpDir})`,
    hint: 'decompress the archive first (gunzip): hoist reads a plain archive in place, without a copy',
  };
}

/**
 * A gzip-compressed archive decompressed into a temp file that is read while it is written: the
 * entry table is read as the bytes arrive, and decompression stops once the tar has ended
 * (`stop()`), so whatever the gzip stream holds after the end-of-archive blocks (padding, or a
 * bomb) is never written. The copy never grows past `limit`.
 */
export class GunzipCopy implements TarBytes {
  #written = 0;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #changed = signalled();
  readonly #stopping = new AbortController();
  readonly #running: Promise<void>;
  #appending: Promise<void> = Promise.resolve();

  private constructor(
    /** The temp file. */
    readonly path: string,
    /** The temp file, open for reading and writing. */
    readonly handle: FileHandle,
    private readonly source: FileHandle,
    private readonly options: GunzipCopyOptions,
  ) {
    this.#running = this.#decompress();
  }

  get limit(): TarBytesLimit {
    return this.options.limit;
  }

  /** Starts decompressing `source` (a gzip stream, read from its start) into a new file in `tmpDir`. The caller closes `source`, after close(). */
  static async start(source: FileHandle, options: GunzipCopyOptions): Promise<GunzipCopy> {
    // Our pid in the name, as the store names its temp files: a copy a killed pull left is removed
    // by the next pull or rmi (store/tmp-files.ts).
    const path = join(options.tmpDir, `archive-${process.pid}-${randomBytes(6).toString('hex')}.tar`);
    return new GunzipCopy(path, await open(path, 'wx+'), source, options);
  }

  async reach(end: number): Promise<number> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#written >= end || this.#ended) return Math.min(end, this.#written);
      await this.#changed.promise;
    }
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    await this.reach(position + length);
    return this.handle.read(buffer, offset, length, position);
  }

  /** Stops decompressing, keeping what was written: the tar has ended, or it is given up. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
    // The pipeline ends at the abort; a write it had begun lands after, and nothing may land once stopped.
    await this.#appending;
  }

  /** Stops, closes and removes the copy. Safe to call more than once. */
  async close(): Promise<void> {
    await this.stop();
    await this.handle.close();
    await rm(this.path, { force: true });
  }

  async #decompress(): Promise<void> {
    const { signal } = this.options;
    try {
      // node:zlib loads with the first gzip archive, not with every command that could open one.
      const { createGunzip } = await import('node:zlib');
      await pipeline(
        this.source.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: false }),
        createGunzip({ chunkSize: WRITE_BYTES }),
        // A Writable, not an async function: pipeline reports an async function's own error as an AbortError.
        new Writable({
          write: (chunk: Buffer, _encoding, done) => {
            this.#appending = this.#append(chunk).then(() => done(), done);
          },
        }),
        { signal: signal === undefined ? this.#stopping.signal : AbortSignal.any([signal, this.#stopping.signal]) },
      );
    } catch (err) {
      // Stopped by us, the copy holds what was asked for; anything else is a failure of every read to come.
      if (!this.#stopping.signal.aborted || signal?.aborted) this.#failure = { error: this.#describe(err) };
    } finally {
      this.#ended = true;
      this.#notify();
    }
  }

  async #append(chunk: Buffer): Promise<void> {
    const { archivePath, limit } = this.options;
    if (this.#written + chunk.length > limit.bytes) {
      throw invalidArchive(archivePath, `it decompresses to more than ${limit.bytes} bytes, but ${limit.words}`, limit.hint);
    }
    await this.handle.write(chunk, 0, chunk.length, this.#written);
    this.#written += chunk.length;
    this.#notify();
  }

  #describe(err: unknown): unknown {
    const { signal, archivePath } = this.options;
    if (signal?.aborted) return abortError(signal);
    if (isHoistError(err)) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // zlib's own codes (Z_DATA_ERROR, Z_BUF_ERROR on a cut-off stream) mean a corrupt archive; others are I/O.
    if (code.startsWith('Z_')) return invalidArchive(archivePath, `cannot decompress the gzip-compressed archive: ${(err as Error).message}`);
    return err;
  }

  #notify(): void {
    const changed = this.#changed;
    this.#changed = signalled();
    changed.resolve();
  }
}

/** A promise and the function that resolves it. */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
