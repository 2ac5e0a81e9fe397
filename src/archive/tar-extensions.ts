import { parsePaxRecords } from './pax.js';
import type { TarHeader } from './tar-header.js';

/** PAX and GNU long-name bodies are read into memory, each at most this large, and PAX global records at most this much in all. */
export const MAX_EXTENSION_BYTES = 1024 * 1024;

/** Whether a header is an extension record for what follows rather than an entry of its own. */
export function isExtension(header: TarHeader): boolean {
  return header.type === 'pax' || header.type === 'pax-global' || header.type === 'gnu-long-name' || header.type === 'gnu-long-link';
}

/** What a record kept in memory takes: its key and its value. */
const recordBytes = (key: string, value: Buffer | undefined) => (value === undefined ? 0 : Buffer.byteLength(key) + value.length);

/**
 * Extension records that apply to the next real entry (PAX `x`, GNU `L`/`K`) or to all that follow
 * (PAX `g`), for both tar readers: the entry table of an archive read in place and the stream of a layer.
 */
export class PendingExtensions {
  readonly global = new Map<string, Buffer>();
  #globalBytes = 0;
  local = new Map<string, Buffer>();
  longName: string | undefined;
  longLink: string | undefined;

  constructor(private readonly fail: (detail: string) => Error) {}

  /** Takes the body of extension header `header` (at `at`, for messages). */
  take(header: TarHeader, body: Buffer, at: number): void {
    if (header.type === 'gnu-long-name' || header.type === 'gnu-long-link') {
      const end = body.indexOf(0);
      const value = body.subarray(0, end < 0 ? body.length : end).toString('utf8');
      if (header.type === 'gnu-long-name') this.longName = value;
      else this.longLink = value;
      return;
    }
    const records = parsePaxRecords(body);
    if (typeof records === 'string') throw this.fail(`${records} in the PAX header at offset ${at}`);
    if (header.type === 'pax') this.local = records;
    else this.#mergeGlobal(records, at);
  }

  /** A global record with an empty value removes that key again. */
  #mergeGlobal(records: Map<string, Buffer>, at: number): void {
    for (const [key, value] of records) {
      this.#globalBytes -= recordBytes(key, this.global.get(key));
      if (value.length === 0) this.global.delete(key);
      else this.global.set(key, value);
      this.#globalBytes += recordBytes(key, this.global.get(key));
    }
    if (this.#globalBytes > MAX_EXTENSION_BYTES)
      throw this.fail(`the PAX global headers up to offset ${at} hold more than ${MAX_EXTENSION_BYTES} bytes of records`);
  }

  record(key: string): string | undefined {
    return (this.local.get(key) ?? this.global.get(key))?.toString('utf8');
  }

  /** Every record whose key starts with `prefix` (local over global), the prefix cut off, values as stored. */
  recordsUnder(prefix: string): Map<string, Buffer> {
    const found = new Map<string, Buffer>();
    for (const records of [this.global, this.local]) {
      for (const [key, value] of records) if (key.startsWith(prefix)) found.set(key.slice(prefix.length), value);
    }
    return found;
  }

  /** The entry's name and link target: PAX records first, then GNU long names, then the header. */
  names(header: TarHeader): { name: string; linkname: string } {
    return { name: this.record('path') ?? this.longName ?? header.name, linkname: this.record('linkpath') ?? this.longLink ?? header.linkname };
  }

  clearLocal(): void {
    this.local = new Map();
    this.longName = undefined;
    this.longLink = undefined;
  }

  /** An extension body is sized by its own header; a PAX `size` record sizes the entry that follows it. */
  bodySize(header: TarHeader): number {
    if (header.headerOnly) return 0;
    const pax = isExtension(header) ? undefined : this.record('size');
    if (pax === undefined) return header.size;
    const size = /^[0-9]+$/.test(pax) ? Number(pax) : NaN;
    if (!Number.isSafeInteger(size)) throw this.fail(`invalid PAX size "${pax}"`);
    return size;
  }
}
