import { invalidArchive } from './archive-error.js';
import { normalizeEntryName } from './entry-name.js';
import type { TarBytes } from './tar-bytes.js';
import { isExtension, MAX_EXTENSION_BYTES, PendingExtensions } from './tar-extensions.js';
import { BLOCK_SIZE, isZeroBlock, parseHeader, type HeaderType } from './tar-header.js';
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
/** Members of every kind, extension headers included: each costs a header read and parse. */
const MAX_MEMBERS = 200_000;
/** Longer names and link targets cannot be extracted anywhere: Linux's PATH_MAX. */
export const MAX_NAME_BYTES = 4096;
/** Names and link targets of all entries together. */
const MAX_TABLE_NAME_BYTES = 16 * 1024 * 1024;

export const paddedSize = (size: number) => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

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
  const pending = new PendingExtensions(fail);
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
    const extension = isExtension(header);
    const size = pending.bodySize(header);
    const offset = position + BLOCK_SIZE;
    const needs = `entry "${header.name}" needs ${size} bytes at offset ${offset}`;
    if (bytes.limit !== undefined && offset + size > bytes.limit.bytes) throw fail(`${needs}, but ${bytes.limit.words}`, bytes.limit.hint);
    const reached = await bytes.reach(offset + size);
    if (reached < offset + size) throw fail(`truncated: ${needs}, but the file ends at ${reached}`);
    position = offset + paddedSize(size);

    if (extension) {
      if (size > MAX_EXTENSION_BYTES) throw fail(`extension header at offset ${offset - BLOCK_SIZE} is too large (${size} bytes)`);
      pending.take(header, await reader.read(offset, size), offset - BLOCK_SIZE);
      continue;
    }

    const { name: rawName, linkname } = pending.names(header);
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
