import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HoistError } from '../errors.js';
import { parseDigest } from '../reference/index.js';

export interface ExpectedBlob {
  digest: string;
  /** Exact size when the source declares one; a blob that runs past it is cut off at once. */
  size?: number;
}

/**
 * A pass-through that hashes and counts the bytes on their way to disk, so a blob is verified
 * while it is written, and a source that sends more than it declared is stopped early.
 */
export class VerifyingTransform extends Transform {
  readonly #hash: Hash;
  readonly #expected: ExpectedBlob;
  readonly #onBytes: ((n: number) => void) | undefined;
  bytes = 0;

  constructor(expected: ExpectedBlob, onBytes?: (n: number) => void) {
    super({ highWaterMark: 1 << 20 });
    this.#hash = createHash(parseDigest(expected.digest).algorithm);
    this.#expected = expected;
    this.#onBytes = onBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.#expected.size !== undefined && this.bytes > this.#expected.size) {
      cb(sizeMismatch(this.#expected, this.bytes, 'more than'));
      return;
    }
    this.#hash.update(chunk);
    this.#onBytes?.(chunk.length);
    cb(null, chunk);
  }

  /** Throws when what went through is not exactly the expected blob. Call after the stream ended. */
  verify(): void {
    if (this.#expected.size !== undefined && this.bytes !== this.#expected.size) {
      throw sizeMismatch(this.#expected, this.bytes, 'only');
    }
    const actual = `${parseDigest(this.#expected.digest).algorithm}:${this.#hash.digest('hex')}`;
    if (actual !== this.#expected.digest) {
      throw new HoistError('DIGEST_MISMATCH', `digest mismatch for blob: expected ${this.#expected.digest}, got ${actual}`);
    }
  }
}

function sizeMismatch(expected: ExpectedBlob, got: number, how: string): HoistError {
  return new HoistError(
    'SIZE_MISMATCH',
    `size mismatch for blob ${expected.digest}: expected ${expected.size} bytes, received ${how} ${got}`,
    { retryable: how === 'only' },
  );
}
