import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAttributes, getAttribute } from '@napi-rs/xattr';

/**
 * The victim of the breakout tests (containers/storage's testBreakout): a directory beside the
 * unpack target that a safe unpack can never touch, and whose `hello` content must never be
 * readable from inside the target. Escapes are aimed at it, never at the machine's own files.
 */
export interface Victim {
  /** parent/victim, absolute. */
  dir: string;
  /** Its `hello` content: unique, so finding it inside DIR can only mean a read breakout. */
  hello: string;
}

/** Creates parent/victim: hello (0644), perm400 (0400, containerd's HardlinkSymlinkChmod host file), sub/file, link -> hello. */
export async function makeVictim(parent: string): Promise<Victim> {
  const dir = join(parent, 'victim');
  const hello = `victim hello ${randomUUID()}\n`;
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'hello'), hello, { mode: 0o644 });
  await writeFile(join(dir, 'perm400'), 'host file, mode 0400\n');
  await chmod(join(dir, 'perm400'), 0o400);
  await writeFile(join(dir, 'sub', 'file'), 'victim sub file\n');
  await symlink('hello', join(dir, 'link'));
  return { dir, hello };
}

/** One path's observable state: what a write, chmod, chown, touch, link or xattr breakout changes. */
interface PathState {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: bigint;
  ino: bigint;
  content?: string;
  target?: string;
  xattrs: Record<string, string>;
}

export type TreeSnapshot = Map<string, PathState>;

function typeOf(st: Awaited<ReturnType<typeof lstat>>): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

async function xattrsOf(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // user.* xattrs cannot be set on symlinks on Linux, and listing follows nothing here.
  for (const name of (await listAttributes(path).catch(() => [])).sort()) out[name] = String(await getAttribute(path, name));
  return out;
}

/** Every path under `dir` (itself included, as '.'), by lstat: nothing is followed. */
export async function snapshotTree(dir: string): Promise<TreeSnapshot> {
  const snap: TreeSnapshot = new Map();
  const visit = async (rel: string): Promise<void> => {
    const path = rel === '.' ? dir : join(dir, rel);
    const st = await lstat(path, { bigint: true });
    const state: PathState = {
      type: typeOf(st as never),
      mode: Number(st.mode),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: st.size,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      nlink: st.nlink,
      ino: st.ino,
      xattrs: st.isSymbolicLink() ? {} : await xattrsOf(path),
    };
    if (st.isFile()) state.content = await readFile(path, 'latin1');
    if (st.isSymbolicLink()) state.target = await readlink(path);
    snap.set(rel, state);
    if (st.isDirectory()) for (const name of (await readdir(path)).sort()) await visit(rel === '.' ? name : join(rel, name));
  };
  await visit('.');
  return snap;
}

export interface Surroundings {
  victim: TreeSnapshot;
  /** The listings of the directories around DIR, DIR's own name left out. */
  listings: Record<string, string[]>;
}

/** The victim's state plus the listings of `around` (DIR's parent and grandparent), without `dest`'s name. */
export async function snapshotSurroundings(victim: Victim, around: readonly string[], destName: string): Promise<Surroundings> {
  const listings: Record<string, string[]> = {};
  for (const dir of around) listings[dir] = (await readdir(dir)).filter((n) => n !== destName).sort();
  return { victim: await snapshotTree(victim.dir), listings };
}

/** Asserts the victim is exactly as it was (paths, contents, modes, owners, times, link counts, xattrs) and nothing appeared or vanished around DIR. */
export function assertVictimUntouched(before: Surroundings, after: Surroundings): void {
  assert.deepEqual(after.listings, before.listings, 'nothing outside DIR appeared or vanished');
  assert.deepEqual([...after.victim.keys()], [...before.victim.keys()], 'the victim holds the same paths');
  for (const [rel, state] of before.victim)
    assert.deepEqual(after.victim.get(rel), state, `victim/${rel} is unchanged (HOST PATH WAS CHANGED! THIS IS A PATH ESCAPE!)`);
}

/**
 * Asserts no regular file under `dest` holds the victim's hello content (a read breakout: a
 * hardlink to, or a copy of, a host file). Files are read only when their size matches, so the
 * mode-0000 placeholders of a rootless unpack need no permission; a directory the caller cannot
 * read (a mode-000 one, rootless) is opened up first, so call this after the other assertions.
 */
export async function assertNoReadBreakout(dest: string, victim: Victim): Promise<void> {
  const want = Buffer.byteLength(victim.hello);
  // Root reads anything; only an unprivileged caller has to open up what it cannot read.
  const openUp = process.getuid?.() !== 0;
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    if (st.isFile() && st.size === want) {
      if (openUp && (st.mode & 0o400) === 0) await chmod(path, st.mode | 0o400);
      assert.notEqual(await readFile(path, 'utf8'), victim.hello, `${path} holds the victim's content: a read breakout`);
    }
    if (!st.isDirectory()) return;
    if (openUp && (st.mode & 0o500) !== 0o500) await chmod(path, st.mode | 0o700);
    for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(dest).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' || error.path !== dest) throw error;
  });
}
