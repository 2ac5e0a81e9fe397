import type { TarBytes } from './tar-bytes.js';

/**
 * Positional reads through a cached window, so walking many small headers costs one read per
 * window rather than one per header, while skipping a large body costs nothing at all.
 */
export class WindowReader {
  #window = Buffer.alloc(0);
  #windowStart = 0;

  constructor(
    private readonly bytes: Pick<TarBytes, 'read'>,
    private readonly windowSize = 64 * 1024,
  ) {}

  /** Up to `length` bytes at `position`; fewer only at the end of the file. */
  async read(position: number, length: number): Promise<Buffer> {
    const offset = position - this.#windowStart;
    if (offset >= 0 && offset + length <= this.#window.length) return this.#window.subarray(offset, offset + length);
    const size = Math.max(length, this.windowSize);
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.bytes.read(buffer, 0, size, position);
    this.#window = buffer.subarray(0, bytesRead);
    this.#windowStart = position;
    return this.#window.subarray(0, Math.min(length, bytesRead));
  }
}
