import { chmodSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { quoted } from '../errors.js';

/** Symlinks followed while resolving one path, as Linux's own limit on a path walk (MAXSYMLINKS is 40; securejoin allows 255). */
export const MAX_SYMLINKS = 255;
/** Components of one entry name: node-tar's maxDepth (CVE-2024-28863). */
export const MAX_DEPTH = 1024;

/**
 * A tar name as components below the root, cleaned lexically as if the root were `/` (containerd's
 * `filepath.Join("/", name)`, umoci's CleanPath): empty and `.` components dropped, `..` clamped
 * at the root. So `../x`, `/../x` and `a/../../x` all mean `x`: a name alone can never leave it.
 */
export function cleanComponents(name: string): string[] {
  const out: string[] = [];
  for (const component of name.split('/')) {
    if (component === '' || component === '.') continue;
    if (component === '..') out.pop();
    else out.push(component);
  }
  return out;
}

/** A name that cannot be applied safely: the caller names the layer. */
export class UnsafePath extends Error {}

/**
 * The tree being unpacked, addressed by paths relative to its root. Directories are resolved as a
 * chroot would: a symlink met on the way is followed inside the root (an absolute target restarts
 * at the root, `..` stops there), so nothing a layer planted can lead a path out. The last
 * component of a name is never followed: whoever creates, replaces or removes it acts on the link.
 *
 * Resolved real directories are remembered, so a layer of many files costs one lstat per new
 * directory, not one per component per file. The memory only ever holds real directories, and
 * `forget` drops a removed tree from it, so a symlink planted where a directory was cannot be
 * walked through on the strength of what was true before (node-tar's CVE-2021-32803).
 */
export class RootPaths {
  readonly #realDirs = new Set<string>(['']);
  /**
   * Directories made while the current layer is applied (the root too, for the first layer: it
   * starts empty). What such a directory holds is exactly what this layer put there, so whether a
   * name exists in it is known without asking the file system: one lstat saved per entry of a
   * new tree, most entries of most images.
   */
  readonly #fresh = new Set<string>(['']);

  constructor(readonly root: string) {}

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * The real directory `components` lead to, inside the root. Missing directories are created
   * when `create`, else the answer is undefined. A component that is neither a directory nor a
   * symlink to one fails when `create`, and is undefined otherwise.
   */
  resolveDir(components: readonly string[], create: boolean): string | undefined {
    const direct = components.join('/');
    if (this.#realDirs.has(direct)) return direct;
    const resolved: string[] = [];
    const pending = [...components].reverse();
    // From where the path runs through directories that do not exist: below that, names are only
    // names (nothing to lstat, no link to follow), and a `..` may climb back out, as securejoin
    // and containerd resolve them. Directories are made only for what is missing at the end.
    let missingFrom = -1;
    let links = 0;
    while (pending.length > 0) {
      const component = pending.pop()!;
      if (component === '' || component === '.') continue;
      if (component === '..') {
        resolved.pop();
        if (resolved.length <= missingFrom) missingFrom = -1;
        continue;
      }
      resolved.push(component);
      if (missingFrom >= 0) continue;
      const rel = resolved.join('/');
      if (this.#realDirs.has(rel)) continue;
      const stat = lstatSync(this.abs(rel), { throwIfNoEntry: false });
      if (stat === undefined) {
        missingFrom = resolved.length - 1;
      } else if (stat.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw new UnsafePath(`resolving ${quoted(components.join('/'))} follows more than ${MAX_SYMLINKS} symlinks`);
        resolved.pop();
        const target = readlinkSync(this.abs(rel));
        if (target.startsWith('/')) resolved.length = 0;
        pending.push(...target.split('/').reverse());
      } else if (!stat.isDirectory()) {
        // Only creating something below a file is wrong; what is looked for there (a whiteout's target, a hardlink's) is simply not there.
        if (!create) return undefined;
        throw new UnsafePath(`${quoted(rel)} is not a directory, but an entry is to be created inside it`);
      } else {
        this.#realDirs.add(rel);
      }
    }
    if (missingFrom >= 0) {
      if (!create) return undefined;
      for (let depth = missingFrom + 1; depth <= resolved.length; depth++) {
        const rel = resolved.slice(0, depth).join('/');
        mkdirSync(this.abs(rel));
        chmodSync(this.abs(rel), 0o755); // Podman's default for a parent the layer did not list, whatever the umask
        this.#realDirs.add(rel);
        this.#fresh.add(rel);
      }
    }
    return resolved.join('/');
  }

  /**
   * Where a name (not the root) points: its parent resolved inside the root as `resolveDir` does
   * (made when `create`), its own last component not followed. Undefined when there is no parent.
   */
  locate(components: readonly string[], create: boolean): { parent: string; rel: string } | undefined {
    const parent = this.resolveDir(components.slice(0, -1), create);
    return parent === undefined ? undefined : { parent, rel: childPath(parent, components.at(-1)!) };
  }

  /** `rel` is a real directory now, just made by an entry of the current layer. */
  knowDir(rel: string): void {
    this.#realDirs.add(rel);
    this.#fresh.add(rel);
  }

  /** Whether `dir` was made by the current layer (so it holds only what this layer wrote). */
  isFresh(dir: string): boolean {
    return this.#fresh.has(dir);
  }

  /** The next layer begins: what this one made is now lower content like any other. */
  endLayer(): void {
    this.#fresh.clear();
  }

  /** `rel` is gone or replaced: neither it nor anything below it is known any more. */
  forget(rel: string): void {
    if (!this.#realDirs.delete(rel)) return; // not a directory: nothing below it was known
    this.#fresh.delete(rel);
    const prefix = `${rel}/`;
    for (const dir of this.#realDirs) if (dir.startsWith(prefix)) this.#realDirs.delete(dir);
    for (const dir of this.#fresh) if (dir.startsWith(prefix)) this.#fresh.delete(dir);
  }
}

/** `rel` joined under `parent`, both relative to the root. */
export function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}
