import { createCipheriv, createHash } from 'node:crypto';

/**
 * A small seeded PRNG (sfc32): the same seed gives the same images on every machine and Node
 * version, which is what makes the generated images cacheable and the results comparable.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Skewed towards the first items, as word and symbol frequencies are (roughly Zipf). */
  pickSkewed<T>(items: readonly T[]): T {
    const u = this.float();
    return items[Math.floor(u * u * u * u * items.length)]!;
  }

  /** Log-normal around `median` (spread = sigma of the log), clamped to [min, max]: file sizes. */
  size(median: number, spread: number, min: number, max: number): number {
    const gaussian = Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
    return Math.round(Math.min(max, Math.max(min, median * Math.exp(spread * gaussian))));
  }

  /** A child generator, so that one part's consumption does not shift another's sequence. */
  fork(label: string): Rng {
    return new Rng(`${this.next()}:${label}`);
  }

  /** Incompressible bytes (compressed assets): AES-CTR keyed by this generator, GB/s and deterministic. */
  noise(): (length: number) => Buffer {
    const key = Buffer.alloc(16);
    const iv = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) {
      key.writeUInt32LE(this.next(), i);
      iv.writeUInt32LE(this.next(), i);
    }
    const cipher = createCipheriv('aes-128-ctr', key, iv);
    return (length) => cipher.update(Buffer.alloc(length));
  }
}
