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

/** PAX and GNU long-name bodies are read into memory: a bound keeps a hostile archive from ballooning them. */
const MAX_EXTENSION_BYTES = 1024 * 1024;

const paddedSize = (size: number) => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

/** Extension records that apply to the next real entry (PAX `x`, GNU `L`/`K`) or to all that follow (PAX `g`). */
class PendingExtensions {
  readonly global = new Map<string, string>();
  local = new Map<string, string>();
  longName: string | undefined;
  longLink: string | undefined;

  /** A global record with an empty value removes that key again. */
  mergeGlobal(records: Map<string, string>): void {
    for (const [key, value] of records) {
      if (value === '') this.global.delete(key);
      else this.global.set(key, value);
    }
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
      else pending.mergeGlobal(records);
      continue;
    }

    const rawName = pending.record('path') ?? pending.longName ?? header.name;
    const linkname = pending.record('linkpath') ?? pending.longLink ?? header.linkname;
    pending.clearLocal();
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
