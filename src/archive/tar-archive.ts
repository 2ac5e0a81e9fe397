import { createHash } from 'node:crypto';
import type { ChunkSink } from '../io/chunk-sink.js';
import { pumpFileRange } from '../io/file-range.js';
import { invalidArchive } from './archive-error.js';
import { resolveLinkTarget } from './entry-name.js';
import { plainArchiveFile, type PlainArchiveFile, type PlainArchiveOptions } from './plain-archive-file.js';
import { readTarEntries, type TarEntry } from './tar-entries.js';

/**
 * A tar read in place: its entry table is read once, then any entry is served by byte range
 * straight from the file, as many at once as callers like. Nothing is extracted or buffered. The
 * file stays open until close(), so every read is of the file that was checked when it was opened.
 */
export class TarArchive {
  readonly #byName = new Map<string, TarEntry[]>();

  private constructor(
    /** The archive as the user named it, for messages. */
    readonly path: string,
    private readonly plain: PlainArchiveFile,
    readonly entries: readonly TarEntry[],
  ) {
    for (const entry of entries) {
      const same = this.#byName.get(entry.name);
      if (same === undefined) this.#byName.set(entry.name, [entry]);
      else same.push(entry);
    }
  }

  /** Opens `path` (plain or gzip-compressed) and reads its entry table. Call close() when done. */
  static async open(path: string, options: PlainArchiveOptions): Promise<TarArchive> {
    const file = await plainArchiveFile(path, options);
    try {
      const entries = await readTarEntries(file.bytes, path);
      await file.complete();
      return new TarArchive(path, file, entries);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** `name` is a normalized entry name (see normalizeEntryName). */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * The regular-file entry `name`. A link is refused: a link named `manifest.json` or `blobs/…`
   * could make one entry stand for another. A name held twice is refused as ambiguous.
   */
  file(name: string): TarEntry {
    const entry = this.#only(name);
    if (entry.type !== 'file') throw invalidArchive(this.path, `"${name}" is a ${entry.type}, not a regular file`);
    return entry;
  }

  /**
   * Like file(), but a symlink is followed once, to a regular file inside the archive: docker save
   * (before Docker 25) stores a layer repeated in the archive as a symlink to its first copy,
   * and containers/image reads it so.
   */
  fileFollowingSymlink(name: string): TarEntry {
    const entry = this.#only(name);
    if (entry.type !== 'symlink') return this.file(name);
    const target = resolveLinkTarget(name, entry.linkname);
    if ('problem' in target) throw invalidArchive(this.path, target.problem);
    const resolved = this.#byName.get(target.name);
    if (resolved?.length !== 1 || resolved[0]!.type !== 'file') {
      throw invalidArchive(this.path, `symlink "${name}" points at "${target.name}", which is not one regular file in the archive`);
    }
    return resolved[0]!;
  }

  #only(name: string): TarEntry {
    const found = this.#byName.get(name);
    if (found === undefined) throw invalidArchive(this.path, `the archive has no entry "${name}"`);
    if (found.length > 1) throw invalidArchive(this.path, `the archive holds "${name}" ${found.length} times`);
    return found[0]!;
  }

  /** The whole body of a small entry (a manifest, a config), refused above `maxBytes` before it is read. */
  async readSmall(entry: TarEntry, maxBytes: number): Promise<Buffer> {
    if (entry.size > maxBytes) {
      throw invalidArchive(this.path, `"${entry.name}" is too large (${entry.size} bytes, at most ${maxBytes})`);
    }
    return this.#read(entry, entry.size);
  }

  /** The first bytes of an entry (to detect its compression). */
  readHead(entry: TarEntry, length: number): Promise<Buffer> {
    return this.#read(entry, Math.min(length, entry.size));
  }

  async #read(entry: TarEntry, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.plain.handle.read(buffer, 0, length, entry.offset);
    if (bytesRead !== length) throw invalidArchive(this.path, `"${entry.name}" was cut short (the file changed while being read)`);
    return buffer;
  }

  /** Delivers exactly the `entry.size` bytes of an entry's body into `sink`. */
  read(entry: TarEntry, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
    return pumpFileRange(this.plain.handle, { start: entry.offset, length: entry.size }, sink, `"${entry.name}" in ${this.path}`, signal);
  }

  /** sha256 digest of an entry's body, in one pass. */
  async digest(entry: TarEntry, signal?: AbortSignal): Promise<string> {
    const hash = createHash('sha256');
    await this.read(entry, (chunk) => void hash.update(chunk), signal);
    return `sha256:${hash.digest('hex')}`;
  }

  /** Closes the archive and removes its decompressed temp copy, if any. Safe to call more than once. */
  close(): Promise<void> {
    return this.plain.close();
  }
}
