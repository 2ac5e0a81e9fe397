import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isHoistError, type HoistError } from '../../src/errors.js';
import type { UnpackEvent } from '../../src/progress/events.js';
import type { Store } from '../../src/store/index.js';
import { getAttribute } from '@napi-rs/xattr';
import { unpack, type UnpackOptions, type UnpackResult } from '../../src/unpack/index.js';
import { openStore } from '../store/fixtures.js';
import { layerTar, storeImageWithLayers, type LayerEntry, type StoredLayersOptions } from './layers.js';
import { makeTempDir, removeDir } from './tmp.js';
import { assertNoReadBreakout, assertVictimUntouched, makeVictim, snapshotSurroundings, type Victim } from './victim.js';

/** A layer: its entries, or a ready tar (uncompressed). */
export type LayerSpec = readonly LayerEntry[] | Buffer;

export interface UnpackRun extends UnpackResult {
  events: UnpackEvent[];
}

/**
 * One unpack test's world: a store, and parent/dest (the unpack target, absent to begin with)
 * beside parent/victim. Every layer a test writes aims its escapes at the victim.
 */
export interface UnpackScene {
  store: Store;
  parent: string;
  dest: string;
  victim: Victim;
  /** `dest`/rel. */
  at(rel: string): string;
  image(layers: readonly LayerSpec[], options?: StoredLayersOptions): Promise<string>;
  /** Stores the layers as an image and unpacks it into dest; resolves with the result and every event. */
  apply(layers: readonly LayerSpec[], options?: StoredLayersOptions & { unpack?: UnpackOptions }): Promise<UnpackRun>;
  /**
   * Expects the unpack of these layers to fail with `code`, and dest to be left as it was: absent
   * if it was absent, an empty directory if it was one.
   */
  rejects(layers: readonly LayerSpec[], code: string, message?: RegExp, options?: StoredLayersOptions): Promise<HoistError>;
}

/** Opens up what an unprivileged caller cannot list (mode-000 dirs it owns) so the tree can be removed. */
async function openUp(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isDirectory()) return;
  if ((st.mode & 0o700) !== 0o700) await chmod(path, st.mode | 0o700);
  for (const name of await readdir(path)) await openUp(join(path, name));
}

export interface SceneOptions {
  /** Create dest as an empty directory before the test (default: absent, unpack creates it). */
  destExists?: boolean;
}

/**
 * Runs `fn` in a fresh scene. When `fn` returns, it asserts what every unpack test must hold
 * whatever it checked itself: the victim is untouched, nothing appeared or vanished beside dest
 * and around it, and dest holds no copy of the victim's content.
 */
export async function withUnpackScene(fn: (scene: UnpackScene) => Promise<unknown>, options: SceneOptions = {}): Promise<void> {
  const root = await makeTempDir();
  try {
    const store = await openStore(root);
    const layouts = join(root, 'layouts');
    const parent = join(root, 'parent');
    const dest = join(parent, 'dest');
    await mkdir(layouts);
    const victim = await makeVictim(parent);
    if (options.destExists) await mkdir(dest);
    const before = await snapshotSurroundings(victim, [parent, root], 'dest');

    const image = (layers: readonly LayerSpec[], opts?: StoredLayersOptions) =>
      storeImageWithLayers(
        store,
        layouts,
        layers.map((l) => (Buffer.isBuffer(l) ? l : layerTar(l as readonly LayerEntry[]))),
        opts,
      );
    const scene: UnpackScene = {
      store,
      parent,
      dest,
      victim,
      at: (rel) => join(dest, rel),
      image,
      async apply(layers, opts = {}) {
        const id = await image(layers, opts);
        const events: UnpackEvent[] = [];
        const result = await unpack(id, dest, { store, ...opts.unpack, onEvent: (e) => events.push(e) });
        return { ...result, events };
      },
      async rejects(layers, code, message, opts) {
        const id = await image(layers, opts);
        const existed = await lstat(dest).then(
          () => true,
          () => false,
        );
        const error = await unpack(id, dest, { store }).then(
          () => assert.fail(`unpack succeeded; expected ${code}`),
          (e: unknown) => e,
        );
        assert.ok(isHoistError(error), `a HoistError, got ${String(error)}`);
        assert.equal(error.code, code, error.message);
        if (message) assert.match(error.message, message);
        if (existed) assert.deepEqual(await readdir(dest), [], 'dest is left empty, as it was');
        else await assert.rejects(lstat(dest), { code: 'ENOENT' }, 'dest, created by the unpack, is removed');
        return error;
      },
    };

    await fn(scene);
    assertVictimUntouched(before, await snapshotSurroundings(victim, [parent, root], 'dest'));
    await assertNoReadBreakout(dest, victim);
  } finally {
    await openUp(root);
    await removeDir(root);
  }
}

export const readText = (path: string): Promise<string> => readFile(path, 'utf8');

export async function assertSameInode(a: string, b: string): Promise<void> {
  const [sa, sb] = await Promise.all([lstat(a, { bigint: true }), lstat(b, { bigint: true })]);
  assert.equal(sa.ino, sb.ino, `${a} and ${b} are one inode (a hardlink)`);
}

export async function assertNotSameInode(a: string, b: string): Promise<void> {
  const [sa, sb] = await Promise.all([lstat(a, { bigint: true }), lstat(b, { bigint: true })]);
  assert.notEqual(sa.ino, sb.ino, `${a} and ${b} are different files`);
}

/** Asserts `path` is a symlink whose target is exactly `target` (targets are written verbatim). */
export async function assertSymlink(path: string, target: string): Promise<void> {
  assert.ok((await lstat(path)).isSymbolicLink(), `${path} is a symlink`);
  assert.equal(await readlink(path), target, `${path}'s target is written verbatim`);
}

export async function assertAbsent(path: string): Promise<void> {
  await assert.rejects(lstat(path), { code: 'ENOENT' }, `${path} does not exist`);
}

/** The in-root twin of an absolute host path: where `/x/y` lands inside DIR. */
export const inRoot = (absolute: string): string => absolute.replace(/^\/+/, '');

/** Enough `../` to climb from anywhere in `dest` (a few levels deep) past the host's `/`. */
export const climb = (dest: string): string => '../'.repeat(dest.split('/').length + 4);

export const OVERRIDE_STAT = 'user.containers.override_stat';

/**
 * The `user.containers.override_stat` a rootless unpack records (undefined when none). Reading a
 * user xattr needs read permission, which a device placeholder (mode 0000) does not give its own
 * unprivileged owner: its mode is opened for the read and put back.
 */
export async function overrideStat(path: string): Promise<string | undefined> {
  const st = await lstat(path);
  const mode = st.mode & 0o7777;
  const closed = process.getuid?.() !== 0 && !st.isSymbolicLink() && (mode & 0o400) === 0;
  if (closed) await chmod(path, mode | 0o400);
  try {
    return (await getAttribute(path, OVERRIDE_STAT))?.toString();
  } finally {
    if (closed) await chmod(path, mode);
  }
}

/** True when the tests run as root: owners are applied and devices are real. */
export const asRoot = process.getuid?.() === 0;
