import { invalidArchive } from './archive-error.js';
import { normalizeEntryName } from './entry-name.js';
import { parsePaxRecords } from './pax.js';
import type { TarBytes } from './tar-bytes.js';
import { BLOCK_SIZE, isZeroBlock, parseHeader, type HeaderType, type TarHeader } from './tar-header.js';
import { WindowReader } from './window-reader.js';

export type EntryType = Exclude<HeaderType, 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link'>;

/** One member of a tar: where its body lies in the file, never the body itself. */
export interface TarEntry {
  /** Normalized name (no `./`, no trailing `/`). */
  name: string;
  type: EntryType;
  size: number;
  /** Offset of the body in the (uncompressed) archive file. */
  offset: number;
  /** Target of a symlink or hardlink, as stored. */
  linkname: string;
}

// The entry table is held in memory, so what a hostile archive can put in it is bounded. Image
// archives are far below each bound: `docker save` of 100 images of 50 layers is some 20,000
// members with names under 150 bytes.
/** PAX and GNU long-name bodies are read into memory, each at most this large, and PAX global records at most this much in all. */
const MAX_EXTENSION_BYTES = 1024 * 1024;
/** Members of every kind, extension headers included: each costs a header read and parse. */
const MAX_MEMBERS = 200_000;
/** Longer names and link targets cannot be extracted anywhere: Linux's PATH_MAX. */
const MAX_NAME_BYTES = 4096;
/** Names and link targets of all entries together. */
const MAX_TABLE_NAME_BYTES = 16 * 1024 * 1024;

const paddedSize = (size: number) => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

/** What a record kept in memory takes: its key and its value. */
const recordBytes = (key: string, value: string | undefined) => (value === undefined ? 0 : Buffer.byteLength(key) + Buffer.byteLength(value));

/** Extension records that apply to the next real entry (PAX `x`, GNU `L`/`K`) or to all that follow (PAX `g`). */
class PendingExtensions {
  readonly global = new Map<string, string>();
  #globalBytes = 0;
  local = new Map<string, string>();
  longName: string | undefined;
  longLink: string | undefined;

  /** A global record with an empty value removes that key again. False when the records kept would exceed MAX_EXTENSION_BYTES. */
  mergeGlobal(records: Map<string, string>): boolean {
    for (const [key, value] of records) {
      this.#globalBytes -= recordBytes(key, this.global.get(key));
      if (value === '') this.global.delete(key);
      else this.global.set(key, value);
      this.#globalBytes += recordBytes(key, this.global.get(key));
    }
    return this.#globalBytes <= MAX_EXTENSION_BYTES;
  }

  record(key: string): string | undefined {
    return this.local.get(key) ?? this.global.get(key);
  }

  clearLocal(): void {
    this.local = new Map();
    this.longName = undefined;
    this.longLink = undefined;
  }
}

/** Counts what the entry table takes against its bounds; each method throws the error for a bound passed. */
class TableBounds {
  #members = 0;
  #nameBytes = 0;

  constructor(private readonly fail: (detail: string) => Error) {}

  /** One more member (header) of any kind. */
  member(): void {
    if (++this.#members > MAX_MEMBERS) throw this.fail(`the archive has more than ${MAX_MEMBERS} entries`);
  }

  /** An entry of the table, whose header is at `at`. */
  entry(name: string, linkname: string, at: number): void {
    const lengths = [Buffer.byteLength(name), Buffer.byteLength(linkname)] as const;
    if (Math.max(...lengths) > MAX_NAME_BYTES) throw this.fail(`the entry at offset ${at} has a name or link target longer than ${MAX_NAME_BYTES} bytes`);
    this.#nameBytes += lengths[0] + lengths[1];
    if (this.#nameBytes > MAX_TABLE_NAME_BYTES) throw this.fail(`the names of the entries up to offset ${at} take more than ${MAX_TABLE_NAME_BYTES} bytes`);
  }
}

/**
 * Reads the entry table of an uncompressed tar: headers only, bodies skipped by offset, so the
 * cost is one small read per entry whatever the archive's size. Reading stops at the
 * end-of-archive blocks: whatever follows them is never read. `displayPath` names the archive in
 * errors (it may differ from the file read, e.g. a decompressed temp copy).
 */
export async function readTarEntries(bytes: TarBytes, displayPath: string): Promise<TarEntry[]> {
  const fail = (detail: string, hint?: string) => invalidArchive(displayPath, detail, hint);
  const reader = new WindowReader(bytes);
  const pending = new PendingExtensions();
  const bounds = new TableBounds(fail);
  const entries: TarEntry[] = [];
  for (let position = 0; ; ) {
    const block = await reader.read(position, BLOCK_SIZE);
    // An archive may end without its two zero blocks right at a header boundary; Go's archive/tar accepts that too.
    if (block.length === 0 && position > 0) break;
    if (block.length < BLOCK_SIZE) throw fail(position === 0 ? 'not a tar archive' : `truncated header at offset ${position}`);
    if (isZeroBlock(block)) {
      const next = await reader.read(position + BLOCK_SIZE, BLOCK_SIZE);
      if (isZeroBlock(next)) break;
      throw fail(`unexpected data after the end-of-archive block at offset ${position}`);
    }
    bounds.member();
    const header = parseHeader(block);
    if (typeof header === 'string') throw fail(position === 0 ? 'not a tar archive' : `${header} at offset ${position}`);
    const isExtension = header.type === 'pax' || header.type === 'pax-global' || header.type === 'gnu-long-name' || header.type === 'gnu-long-link';
    const size = bodySize(header, isExtension, pending, fail);
    const offset = position + BLOCK_SIZE;
    const needs = `entry "${header.name}" needs ${size} bytes at offset ${offset}`;
    if (bytes.limit !== undefined && offset + size > bytes.limit.bytes) throw fail(`${needs}, but ${bytes.limit.words}`, bytes.limit.hint);
    const reached = await bytes.reach(offset + size);
    if (reached < offset + size) throw fail(`truncated: ${needs}, but the file ends at ${reached}`);
    position = offset + paddedSize(size);

    if (isExtension) {
      if (size > MAX_EXTENSION_BYTES) throw fail(`extension header at offset ${offset - BLOCK_SIZE} is too large (${size} bytes)`);
      const body = await reader.read(offset, size);
      if (header.type === 'gnu-long-name' || header.type === 'gnu-long-link') {
        const end = body.indexOf(0);
        const value = body.subarray(0, end < 0 ? body.length : end).toString('utf8');
        if (header.type === 'gnu-long-name') pending.longName = value;
        else pending.longLink = value;
        continue;
      }
      const records = parsePaxRecords(body);
      if (typeof records === 'string') throw fail(`${records} in the PAX header at offset ${offset - BLOCK_SIZE}`);
      if (header.type === 'pax') pending.local = records;
      else if (!pending.mergeGlobal(records))
        throw fail(`the PAX global headers up to offset ${offset - BLOCK_SIZE} hold more than ${MAX_EXTENSION_BYTES} bytes of records`);
      continue;
    }

    const rawName = pending.record('path') ?? pending.longName ?? header.name;
    const linkname = pending.record('linkpath') ?? pending.longLink ?? header.linkname;
    pending.clearLocal();
    bounds.entry(rawName, linkname, offset - BLOCK_SIZE);
    const normalized = normalizeEntryName(rawName);
    if ('problem' in normalized) throw fail(normalized.problem);
    // A NUL type flag is the v7 way: such an entry is a directory when its full name ends in '/'.
    const type = header.untyped && rawName.endsWith('/') ? 'directory' : (header.type as EntryType);
    entries.push({ name: normalized.name, type, size, offset, linkname });
  }
  return entries;
}

/** An extension body is sized by its own header; a PAX `size` record sizes the entry that follows it. */
function bodySize(header: TarHeader, isExtension: boolean, pending: PendingExtensions, fail: (detail: string) => Error): number {
  if (header.headerOnly) return 0;
  const pax = isExtension ? undefined : pending.record('size');
  if (pax === undefined) return header.size;
  const size = /^[0-9]+$/.test(pax) ? Number(pax) : NaN;
  if (!Number.isSafeInteger(size)) throw fail(`invalid PAX size "${pax}"`);
  return size;
}
