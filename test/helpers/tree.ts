import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigIntStats } from 'node:fs';

/**
 * A file tree as facts that two extractions of the same image must agree on, so that hoist's
 * unpack can be compared with umoci's (or GNU tar's) path by path.
 */
export type NodeType = 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';

export interface TreeNode {
  type: NodeType;
  /** Permission bits with setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a file, or of a symlink's target; 0 for the rest (a directory's size is the file system's business). */
  size: number;
  /** Modification time in nanoseconds since the epoch. */
  mtimeNs: bigint;
  /** A symlink's target, verbatim. */
  target?: string;
  /** sha256 hex of a file's content. */
  sha256?: string;
  /** `major:minor` of a device node. */
  rdev?: string;
  /**
   * For a file with other names in the tree: the first of its names in sorted order, the same
   * for every member of the group, so that hardlink groups compare across trees without inodes.
   */
  linkGroup?: string;
}

/** Relative path ('' is the root itself) → node, in sorted path order. */
export type Tree = Map<string, TreeNode>;

export type TreeField = keyof TreeNode;

function typeOf(st: BigIntStats): NodeType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'socket';
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Walks `root` without following any symlink (the root itself included). */
export async function snapshotTree(root: string): Promise<Tree> {
  const tree: Tree = new Map();
  const inodes = new Map<bigint, string[]>();
  const visit = async (rel: string): Promise<void> => {
    const path = rel === '' ? root : join(root, rel);
    const st = await lstat(path, { bigint: true });
    const type = typeOf(st);
    const node: TreeNode = { type, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), size: 0, mtimeNs: st.mtimeNs };
    if (type === 'file') {
      node.size = Number(st.size);
      node.sha256 = await hashFile(path);
      if (st.nlink > 1n) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    } else if (type === 'symlink') {
      node.target = await readlink(path);
      node.size = Buffer.byteLength(node.target);
    } else if (type === 'char' || type === 'block') {
      // Linux's dev_t: major in bits 8–19 (and above 32), minor in bits 0–7 and 20–31.
      const rdev = st.rdev;
      node.rdev = `${((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)}:${(rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)}`;
    }
    tree.set(rel, node);
    if (type === 'dir') {
      for (const name of (await readdir(path)).sort()) await visit(rel === '' ? name : `${rel}/${name}`);
    }
  };
  await visit('');
  for (const names of inodes.values()) {
    if (names.length < 2) continue;
    const first = [...names].sort()[0]!;
    for (const name of names) tree.get(name)!.linkGroup = first;
  }
  return tree;
}

const FIELDS: TreeField[] = ['type', 'mode', 'uid', 'gid', 'size', 'mtimeNs', 'target', 'sha256', 'rdev', 'linkGroup'];

const show = (field: TreeField, value: unknown): string => {
  if (value === undefined) return '(none)';
  if (field === 'mode') return (value as number).toString(8).padStart(4, '0');
  return String(value);
};

export interface DiffOptions {
  /** Fields not compared at all. */
  ignore?: readonly TreeField[];
  /** Per-path fields not compared, each with the reason (which goes nowhere: it is for the reader). */
  except?: readonly { path: string; field: TreeField; reason: string }[];
  /** Names of the two sides in the messages. */
  names?: [string, string];
  /** Compare mtimes truncated to this many nanoseconds (default 1: exactly). */
  mtimeResolutionNs?: bigint;
}

/**
 * Every difference between two trees, one line each (`path: mode 0755 (a) ≠ 0700 (b)`,
 * `path: only in a`); empty when they agree on every compared field.
 */
export function diffTrees(a: Tree, b: Tree, options: DiffOptions = {}): string[] {
  const [nameA, nameB] = options.names ?? ['a', 'b'];
  const ignored = new Set(options.ignore ?? []);
  const excepted = (path: string, field: TreeField) => options.except?.some((e) => e.path === path && e.field === field) ?? false;
  const label = (path: string) => (path === '' ? '/' : path);
  const resolution = options.mtimeResolutionNs ?? 1n;
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === undefined || y === undefined) {
      out.push(`${label(path)}: only in ${x === undefined ? nameB : nameA} (${(x ?? y)!.type})`);
      continue;
    }
    for (const field of FIELDS) {
      if (ignored.has(field) || excepted(path, field) || x[field] === y[field]) continue;
      if (field === 'mtimeNs' && x.mtimeNs / resolution === y.mtimeNs / resolution) continue;
      out.push(`${label(path)}: ${field} ${show(field, x[field])} (${nameA}) ≠ ${show(field, y[field])} (${nameB})`);
    }
  }
  return out;
}

/** A readable listing, for assertion messages and debugging. */
export function describeTree(tree: Tree): string {
  return [...tree]
    .map(([path, n]) => `${n.type} ${show('mode', n.mode)} ${n.uid}:${n.gid} ${n.size} /${path}${n.target !== undefined ? ` -> ${n.target}` : ''}`)
    .join('\n');
}
