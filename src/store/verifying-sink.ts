import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { HoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { parseDigest } from '../reference/index.js';

export interface ExpectedBlob {
  digest: string;
  /** Exact size when the source declares one; a blob that runs past it is cut off at once. */
  size?: number;
}

/** Writes are made in pieces this large: few system calls, little memory per blob. */
const WRITE_SIZE = 512 * 1024;
/** Chunks this large are written from the source's buffer as they are, not copied first. */
const DIRECT_WRITE = 512 * 1024;
/** Writes of one blob in flight at once (so at most three gathering buffers: one filling). */
const WRITES_IN_FLIGHT = 2;

/**
 * Hashes, counts and writes a blob's bytes into an open file, so a blob is verified while it is
 * written and a source that sends more than it declared is stopped early. Small chunks (socket
 * reads) are gathered into reused 1 MiB buffers and written when it fills; large ones
 * (file reads) are written straight from the source's buffer, which it gets back when the write
 * is done. Nothing is allocated per chunk, so memory stays flat however large the blob.
 */
export class VerifyingFileSink {
  readonly #hash: Hash;
  readonly #expected: ExpectedBlob;
  readonly #file: FileHandle;
  readonly #onBytes: ((n: number) => void) | undefined;
  readonly #free: Buffer[] = [];
  readonly #writing = new Set<Promise<void>>();
  #gathering: Buffer | undefined;
  #gathered = 0;
  /** File offset of the next write. */
  #position = 0;
  #failure: { error: unknown } | undefined;
  bytes = 0;

  constructor(file: FileHandle, expected: ExpectedBlob, onBytes?: (n: number) => void) {
    this.#hash = createHash(parseDigest(expected.digest).algorithm);
    this.#expected = expected;
    this.#file = file;
    this.#onBytes = onBytes;
  }

  readonly write: ChunkSink = (chunk) => {
    if (this.#failure !== undefined) throw this.#failure.error;
    this.bytes += chunk.length;
    if (this.#expected.size !== undefined && this.bytes > this.#expected.size) {
      throw sizeMismatch(this.#expected, this.bytes, 'more than');
    }
    this.#hash.update(chunk);
    this.#onBytes?.(chunk.length);
    if (chunk.length >= DIRECT_WRITE) {
      this.#flush();
      // The place in the file is taken now: the source may hand over the next chunk before this one is written.
      const position = this.#claim(chunk.length);
      return this.#whenFree().then(() => this.#started(chunk, position));
    }
    let taken = 0;
    let wait: Promise<void> | undefined;
    while (taken < chunk.length) {
      this.#gathering ??= this.#free.pop() ?? Buffer.allocUnsafe(WRITE_SIZE);
      const n = chunk.copy(this.#gathering, this.#gathered, taken);
      taken += n;
      this.#gathered += n;
      if (this.#gathered === WRITE_SIZE) wait = this.#flush();
    }
    return wait;
  };

  /** Writes what is gathered and waits for every write; call when the source has ended. */
  async finish(): Promise<void> {
    this.#flush();
    await Promise.all(this.#writing);
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Waits for the writes in flight to end, failed or not (before the file is closed or removed). */
  async settle(): Promise<void> {
    await Promise.all(this.#writing);
  }

  /** Throws when what went through is not exactly the expected blob. Call after finish(). */
  verify(): void {
    if (this.#expected.size !== undefined && this.bytes !== this.#expected.size) {
      throw sizeMismatch(this.#expected, this.bytes, 'only');
    }
    const actual = `${parseDigest(this.#expected.digest).algorithm}:${this.#hash.digest('hex')}`;
    if (actual !== this.#expected.digest) {
      throw new HoistError('DIGEST_MISMATCH', `digest mismatch for blob: expected ${this.#expected.digest}, got ${actual}`);
    }
  }

  /** Starts writing the gathered buffer, if any; resolves when another may be started. */
  #flush(): Promise<void> | undefined {
    const buffer = this.#gathering;
    if (buffer === undefined || this.#gathered === 0) return undefined;
    const length = this.#gathered;
    this.#gathering = undefined;
    this.#gathered = 0;
    this.#started(buffer.subarray(0, length), this.#claim(length)).then(() => this.#free.push(buffer), () => undefined);
    return this.#writing.size >= WRITES_IN_FLIGHT ? this.#whenFree() : undefined;
  }

  /** The file offset for the next `length` bytes. */
  #claim(length: number): number {
    const position = this.#position;
    this.#position += length;
    return position;
  }

  /** Writes `bytes` at `position`; resolves when written (never rejects: failures are kept). */
  #started(bytes: Buffer, position: number): Promise<void> {
    const done: Promise<void> = writeFully(this.#file, bytes, position)
      .catch((error: unknown) => void (this.#failure ??= { error }))
      .finally(() => this.#writing.delete(done));
    this.#writing.add(done);
    return done;
  }

  /** Resolves once fewer than WRITES_IN_FLIGHT writes are running; rejects if one failed. */
  async #whenFree(): Promise<void> {
    while (this.#writing.size >= WRITES_IN_FLIGHT) await Promise.race(this.#writing);
    if (this.#failure !== undefined) throw this.#failure.error;
  }
}

/** A positional write of all of `bytes` (a short write is continued, as the kernel may stop early). */
async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}

function sizeMismatch(expected: ExpectedBlob, got: number, how: string): HoistError {
  return new HoistError(
    'SIZE_MISMATCH',
    `size mismatch for blob ${expected.digest}: expected ${expected.size} bytes, received ${how} ${got}`,
    { retryable: how === 'only' },
  );
}
