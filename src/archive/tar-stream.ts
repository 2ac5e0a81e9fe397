import { isExtension, MAX_EXTENSION_BYTES, PendingExtensions } from './tar-extensions.js';
import { MAX_NAME_BYTES, paddedSize } from './tar-entries.js';
import { BLOCK_SIZE, isZeroBlock, parseHeader, type TarHeader } from './tar-header.js';

/** What a layer entry is, by its type flag. */
export type StreamEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One entry of a tar read as a stream: its header as the extensions complete it, and its body once. */
export interface StreamEntry {
  /** The name as stored (PAX path or GNU long name first); never cleaned: what it means is the reader's business. */
  name: string;
  linkname: string;
  type: StreamEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, with PAX's fractions when given. */
  mtime: number;
  atime: number | undefined;
  devmajor: number;
  devminor: number;
  /** PAX `SCHILY.xattr.NAME` records: NAME → value as stored. */
  xattrs: Map<string, Buffer>;
  /**
   * The body's bytes in order, as views of the stream's own chunks; read it at most once, before
   * asking for the next entry (whatever is left unread is skipped).
   */
  body(): AsyncGenerator<Buffer>;
}

const entryTypes: Record<string, StreamEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

/** Bytes of a stream of chunks, taken by count: whole blocks, or a body piece by piece. */
class ChunkQueue {
  #chunk: Buffer = Buffer.alloc(0);
  #offset = 0;
  #ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  async #fill(): Promise<boolean> {
    while (this.#offset >= this.#chunk.length) {
      if (this.#ended) return false;
      const next = await this.chunks.next();
      if (next.done) {
        this.#ended = true;
        return false;
      }
      this.#chunk = next.value;
      this.#offset = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async exact(n: number): Promise<Buffer> {
    if (!(await this.#fill())) return Buffer.alloc(0);
    if (this.#chunk.length - this.#offset >= n) {
      const view = this.#chunk.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      return view;
    }
    const parts: Buffer[] = [];
    let have = 0;
    for await (const piece of this.take(n, () => undefined)) {
      parts.push(Buffer.from(piece));
      have += piece.length;
    }
    return Buffer.concat(parts, have);
  }

  /** Up to `n` bytes as views, in order; `short` is called (and may throw) when the stream ends before. */
  async *take(n: number, short: (got: number) => void): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) {
        short(n - left);
        return;
      }
      const size = Math.min(left, this.#chunk.length - this.#offset);
      const view = this.#chunk.subarray(this.#offset, this.#offset + size);
      this.#offset += size;
      left -= size;
      yield view;
    }
  }

  async skip(n: number, short: (got: number) => void): Promise<void> {
    for await (const _ of this.take(n, short));
  }
}

/** Limits a layer's entries may not pass; what the caller holds per entry (names) stays bounded. */
export interface StreamBounds {
  /** Entries, extension headers included. */
  maxEntries: number;
}

/**
 * Reads a tar as a stream of entries, each body read once as it passes (a layer is never read
 * twice, nor held whole). Reading stops at the end-of-archive blocks: the bytes after them are left
 * to the caller (a layer's diff_id covers them). `fail(detail)` builds the error for a malformed tar.
 */
export async function* readTarStream(chunks: AsyncIterable<Buffer>, bounds: StreamBounds, fail: (detail: string) => Error): AsyncGenerator<StreamEntry> {
  const queue = new ChunkQueue(chunks[Symbol.asyncIterator]());
  const pending = new PendingExtensions(fail);
  let members = 0;
  for (let position = 0; ; ) {
    const block = await queue.exact(BLOCK_SIZE);
    if (block.length === 0 && position > 0) return; // ends at a header boundary without its zero blocks, as Go's archive/tar accepts
    if (block.length < BLOCK_SIZE) throw fail(position === 0 ? 'not a tar archive' : `truncated header at offset ${position}`);
    if (isZeroBlock(block)) {
      const next = await queue.exact(BLOCK_SIZE);
      if (next.length === 0 || isZeroBlock(next)) return;
      throw fail(`unexpected data after the end-of-archive block at offset ${position}`);
    }
    if (++members > bounds.maxEntries) throw fail(`the layer has more than ${bounds.maxEntries} entries`);
    const header = parseHeader(block);
    if (typeof header === 'string') throw fail(position === 0 ? 'not a tar archive' : `${header} at offset ${position}`);
    const size = pending.bodySize(header);
    const offset = position + BLOCK_SIZE;
    position = offset + paddedSize(size);
    const truncated = (got: number) => {
      throw fail(`truncated: entry "${header.name}" needs ${size} bytes at offset ${offset}, but the layer ends after ${got}`);
    };
    if (isExtension(header)) {
      if (size > MAX_EXTENSION_BYTES) throw fail(`extension header at offset ${offset - BLOCK_SIZE} is too large (${size} bytes)`);
      const body = await queue.exact(size);
      if (body.length < size) truncated(body.length);
      pending.take(header, Buffer.from(body), offset - BLOCK_SIZE);
      await queue.skip(paddedSize(size) - size, truncated);
      continue;
    }
    const fields = streamEntry(header, pending, fail, offset);
    pending.clearLocal();
    let consumed = 0;
    let reading = false;
    async function* body(): AsyncGenerator<Buffer> {
      if (reading) throw new Error('a tar entry body is read once');
      reading = true;
      for await (const piece of queue.take(size, truncated)) {
        consumed += piece.length;
        yield piece;
      }
    }
    yield { ...fields, size, body };
    // Whatever the caller did not read of the body, then the padding.
    await queue.skip(paddedSize(size) - consumed, truncated);
  }
}

function streamEntry(header: TarHeader, pending: PendingExtensions, fail: (detail: string) => Error, offset: number): Omit<StreamEntry, 'size' | 'body'> {
  const { name, linkname } = pending.names(header);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES || Buffer.byteLength(linkname) > MAX_NAME_BYTES) {
    throw fail(`the entry at offset ${offset - BLOCK_SIZE} has a name or link target longer than ${MAX_NAME_BYTES} bytes`);
  }
  if (name.includes('\0') || linkname.includes('\0')) throw fail(`the entry at offset ${offset - BLOCK_SIZE} has a NUL byte in its name`);
  const type = header.untyped && name.endsWith('/') ? 'directory' : entryTypes[header.flag];
  if (type === undefined) throw fail(`entry "${name}" has type ${JSON.stringify(header.flag)}, which a layer cannot hold`);
  const number = (key: string, fallback: number): number => {
    const text = pending.record(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text) || !Number.isFinite(value)) throw fail(`entry "${name}" has an invalid PAX ${key} "${text}"`);
    return value;
  };
  const id = (key: string, fallback: number): number => {
    const value = number(key, fallback);
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_fffe) throw fail(`entry "${name}" has an invalid ${key} ${value}`);
    return value;
  };
  const atime = pending.record('atime');
  return {
    name,
    linkname,
    type,
    mode: header.mode,
    uid: id('uid', header.uid),
    gid: id('gid', header.gid),
    mtime: number('mtime', header.mtime),
    atime: atime === undefined ? undefined : number('atime', 0),
    devmajor: header.devmajor,
    devminor: header.devminor,
    xattrs: pending.recordsUnder('SCHILY.xattr.'),
  };
}
