import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { readTarStream, type StreamEntry } from '../archive/tar-stream.js';
import { abortError, quoted } from '../errors.js';
import type { Attributes, UnpackNotes } from './attributes.js';
import { invalidLayer, type LayerInput } from './layer-input.js';
import { removeTree } from './remove-tree.js';
import { childPath, cleanComponents, MAX_DEPTH, RootPaths, UnsafePath } from './root-paths.js';

/** Entries of one layer, extension headers included; what the layer's paths take in memory is bounded by it. */
const MAX_ENTRIES = 1_000_000;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

interface DirAttributes {
  mode: number;
  atime: number;
  mtime: number;
}

/** A file system call that failed for an entry, for the caller to classify (a full disk, a refused path). */
export class EntryWriteError extends Error {
  constructor(
    readonly entryName: string,
    readonly errno: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${quoted(entryName)}: ${errno.message}`, { cause: errno });
  }
}

/** The paths one layer created (and their parents): what its whiteouts and opaque markers must spare. */
type UpperPaths = Set<string>;

function markUpper(upper: UpperPaths, rel: string): void {
  for (let path = rel; path !== '' && !upper.has(path); path = path.slice(0, Math.max(path.lastIndexOf('/'), 0))) upper.add(path);
}

/**
 * Applies layers, in order, to one root: the image-spec's changeset rules (a directory over a
 * directory changes its attributes, anything else replaces what is there, whiteouts hide lower
 * layers only, an opaque marker hides a directory's lower contents wherever it sits in the layer),
 * every path resolved inside the root (RootPaths). Directories get their final mode and times after
 * the last layer (`finish`), so a directory an image ships mode 000 cannot stop a later entry, and
 * writing into a directory does not undo its mtime.
 *
 * The file system work is synchronous: an entry is a handful of system calls on a local disk, and
 * a round trip through libuv's pool for each would cost more than the calls themselves; reading and
 * decompressing the layers goes on in the pool meanwhile.
 */
export class LayerApplier {
  readonly #paths: RootPaths;
  /** Directories to give their final mode and times, by path below the root ('' is the root). */
  readonly #dirs = new Map<string, DirAttributes>();

  constructor(
    readonly root: string,
    private readonly attributes: Attributes,
    private readonly notes: UnpackNotes,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.#paths = new RootPaths(root);
  }

  /** Applies one layer's tar; resolves with the number of entries. */
  async apply(layer: LayerInput, chunks: AsyncIterable<Buffer>): Promise<number> {
    const upper: UpperPaths = new Set();
    let entries = 0;
    for await (const entry of readTarStream(chunks, { maxEntries: MAX_ENTRIES }, (detail) => invalidLayer(layer, detail))) {
      if (this.signal?.aborted) throw abortError(this.signal);
      entries++;
      await this.attributes.prepare(entry);
      try {
        const components = cleanComponents(entry.name);
        if (components.length > MAX_DEPTH) throw invalidLayer(layer, `entry ${quoted(entry.name)} is more than ${MAX_DEPTH} directories deep`);
        if (components.at(-1)?.startsWith(WHITEOUT)) this.#whiteout(entry, components, upper, layer);
        else if (entry.type === 'file') await this.#file(entry, components, upper, layer);
        else if (entry.type === 'hardlink') this.#hardlink(entry, components, upper, layer);
        else this.#other(entry, components, upper, layer);
      } catch (err) {
        if (err instanceof UnsafePath) throw invalidLayer(layer, err.message);
        if ((err as NodeJS.ErrnoException).syscall !== undefined) throw new EntryWriteError(entry.name, err as NodeJS.ErrnoException);
        throw err;
      }
    }
    this.#paths.endLayer();
    return entries;
  }

  /** Gives every directory its final mode and times, deepest first, so a parent made 000 does not lock its children out. */
  finish(): void {
    const dirs = [...this.#dirs].sort(([a], [b]) => depth(b) - depth(a));
    for (const [rel, attributes] of dirs) {
      let fd: number;
      try {
        fd = openSync(this.#paths.abs(rel), DIR_FLAGS);
      } catch (err) {
        // Replaced by a later layer with something that is not a directory: its attributes went with it.
        if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes((err as NodeJS.ErrnoException).code ?? '')) continue;
        throw new EntryWriteError(rel === '' ? '.' : rel, err as NodeJS.ErrnoException);
      }
      try {
        fchmodSync(fd, attributes.mode);
        futimesSync(fd, attributes.atime, attributes.mtime);
      } catch (err) {
        throw new EntryWriteError(rel === '' ? '.' : rel, err as NodeJS.ErrnoException);
      } finally {
        closeSync(fd);
      }
    }
  }

  async #file(entry: StreamEntry, components: string[], upper: UpperPaths, layer: LayerInput): Promise<void> {
    const path = this.#prepare(entry, components, upper, layer);
    if (path === undefined) return;
    const fd = openSync(path, CREATE_FLAGS, 0o600);
    try {
      for await (const chunk of entry.body()) {
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      }
      this.#attributes(entry, path, fd);
      futimesSync(fd, entry.atime ?? entry.mtime, entry.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Owner, xattrs, then mode, in that order: chown clears setuid, setgid and file capabilities,
   * and without root a user xattr can be set only while the file is still writable (0600 as made).
   */
  #attributes(entry: StreamEntry, path: string, fd?: number): void {
    this.attributes.owner(entry, path, fd);
    this.attributes.xattrs(entry, path);
    if (fd !== undefined) fchmodSync(fd, entry.mode);
    else chmodSync(path, entry.mode); // a node this unpack just made at this path, not a link
  }

  #other(entry: StreamEntry, components: string[], upper: UpperPaths, layer: LayerInput): void {
    const path = this.#prepare(entry, components, upper, layer);
    if (path === undefined) return;
    switch (entry.type) {
      case 'directory':
        return; // created (or kept) by #prepare; its mode and times come in finish()
      case 'symlink':
        symlinkSync(entry.linkname, path); // the target verbatim: absolute targets are right inside the image
        this.attributes.owner(entry, path);
        lutimesSync(path, entry.atime ?? entry.mtime, entry.mtime);
        this.attributes.xattrs(entry, path);
        return;
      default:
        this.#special(entry, path);
    }
  }

  /**
   * Resolves the entry's place, removes what is there unless a directory meets a directory, and for
   * a directory makes sure one is there; the path to create, or undefined when there is nothing to
   * create (a directory already there, whose new attributes were recorded).
   */
  #prepare(entry: StreamEntry, components: string[], upper: UpperPaths, layer: LayerInput): string | undefined {
    if (components.length === 0) {
      this.#rootEntry(entry, layer);
      return undefined;
    }
    return this.#replace(entry, this.#paths.locate(components, true)!, upper);
  }

  /** An entry naming the root: a directory gives the root its attributes; anything else would replace the root, and fails. */
  #rootEntry(entry: StreamEntry, layer: LayerInput): void {
    if (entry.type !== 'directory') throw invalidLayer(layer, `entry ${quoted(entry.name)} would replace the root directory with a ${entry.type}`);
    this.#directoryAttributes('', entry);
  }

  /** #prepare for an entry whose place is known: what is there goes, unless a directory meets a directory. */
  #replace(entry: StreamEntry, { parent, rel }: { parent: string; rel: string }, upper: UpperPaths): string | undefined {
    const path = this.#paths.abs(rel);
    const mayExist = upper.has(rel) || !this.#paths.isFresh(parent);
    markUpper(upper, rel);
    const existing = mayExist ? lstatSync(path, { throwIfNoEntry: false }) : undefined;
    if (entry.type === 'directory') {
      if (existing?.isDirectory() !== true) {
        if (existing !== undefined) this.#remove(rel);
        mkdirSync(path, 0o700);
        this.#paths.knowDir(rel);
      }
      this.#directoryAttributes(rel, entry);
      return undefined;
    }
    if (existing !== undefined) this.#remove(rel);
    return path;
  }

  #directoryAttributes(rel: string, entry: StreamEntry): void {
    const path = this.#paths.abs(rel);
    this.attributes.owner(entry, path);
    this.attributes.xattrs(entry, path);
    // Owner-writable until finish(), whatever the image says: without root a 000 directory could not be filled.
    chmodSync(path, 0o700 | (entry.mode & 0o777));
    this.#dirs.set(rel, { mode: entry.mode, atime: entry.atime ?? entry.mtime, mtime: entry.mtime });
  }

  #remove(rel: string): void {
    removeTree(this.#paths.abs(rel));
    this.#paths.forget(rel);
    const prefix = `${rel}/`;
    this.#dirs.delete(rel);
    for (const dir of this.#dirs.keys()) if (dir.startsWith(prefix)) this.#dirs.delete(dir);
  }

  /** `.wh.NAME` removes NAME of a lower layer; `.wh..wh..opq` the directory's lower contents. */
  #whiteout(entry: StreamEntry, components: string[], upper: UpperPaths, layer: LayerInput): void {
    const base = components.at(-1)!;
    const hidden = base.slice(WHITEOUT.length);
    if (base !== OPAQUE && hidden.startsWith(WHITEOUT)) return; // AUFS meta entries (.wh..wh.plnk, …): nothing of the image
    if (hidden === '' || hidden === '.' || hidden === '..') throw invalidLayer(layer, `invalid whiteout name ${quoted(entry.name)}`);
    const place = this.#paths.locate([...components.slice(0, -1), hidden], false);
    if (place === undefined) return; // nothing below a missing directory to hide
    if (base === OPAQUE) {
      this.#hideLower(place.parent, upper);
      return;
    }
    const { rel } = place;
    if (upper.has(rel)) return; // this layer's own entry: only a later layer can hide it
    if (lstatSync(this.#paths.abs(rel), { throwIfNoEntry: false }) !== undefined) this.#remove(rel);
  }

  /** Removes what lower layers put under `dir`, sparing what this layer wrote there (before or after the marker). */
  #hideLower(dir: string, upper: UpperPaths): void {
    for (const name of readdirSync(this.#paths.abs(dir))) {
      const rel = childPath(dir, name);
      if (!upper.has(rel)) this.#remove(rel);
      else if (lstatSync(this.#paths.abs(rel)).isDirectory()) this.#hideLower(rel, upper);
    }
  }

  #hardlink(entry: StreamEntry, components: string[], upper: UpperPaths, layer: LayerInput): void {
    const targetComponents = cleanComponents(entry.linkname);
    if (targetComponents.length === 0) throw invalidLayer(layer, `hardlink ${quoted(entry.name)} points at the root directory`);
    const targetRel = this.#paths.locate(targetComponents, false)?.rel;
    const target = targetRel === undefined ? undefined : lstatSync(this.#paths.abs(targetRel), { throwIfNoEntry: false });
    if (targetRel === undefined || target === undefined)
      throw invalidLayer(layer, `hardlink ${quoted(entry.name)} points at ${quoted(entry.linkname)}, which is not in the layers so far`);
    if (target.isDirectory()) throw invalidLayer(layer, `hardlink ${quoted(entry.name)} points at the directory ${quoted(entry.linkname)}`);
    if (components.length === 0) {
      this.#rootEntry(entry, layer); // throws: a hardlink cannot be the root
      return;
    }
    const place = this.#paths.locate(components, true)!;
    if (place.rel === targetRel) return; // a link to itself: already so
    const path = this.#replace(entry, place, upper)!;
    // link(2) does not follow a symlink named as its target: a hardlink to a symlink links the symlink. No metadata of its own.
    linkSync(this.#paths.abs(targetRel), path);
  }

  /** FIFOs, and device nodes as root: mknod(2) has no Node binding, so coreutils' commands make them. */
  #special(entry: StreamEntry, path: string): void {
    if (entry.type === 'fifo' || this.attributes.asRoot) {
      const args =
        entry.type === 'fifo' ? ['mkfifo', path] : ['mknod', path, entry.type === 'char' ? 'c' : 'b', String(entry.devmajor), String(entry.devminor)];
      const made = spawnSync(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      if (made.status !== 0) {
        const errno = Object.assign(new Error(`${args[0]} failed: ${made.error?.message ?? made.stderr.toString().trim()}`), { syscall: args[0] });
        throw errno;
      }
      this.#attributes(entry, path);
    } else {
      // umoci's rootless placeholder: an empty file of mode 0, its device recorded in override_stat.
      const fd = openSync(path, CREATE_FLAGS, 0o600);
      try {
        this.notes.note('DEVICE_PLACEHOLDER', quoted(entry.name));
        this.attributes.owner(entry, path, fd);
        this.attributes.xattrs(entry, path);
        fchmodSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    }
    lutimesSync(path, entry.atime ?? entry.mtime, entry.mtime);
  }
}

function depth(rel: string): number {
  if (rel === '') return 0;
  let count = 1;
  for (const char of rel) if (char === '/') count++;
  return count;
}
