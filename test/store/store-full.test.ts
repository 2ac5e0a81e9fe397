import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pull } from '../../src/index.js';
import { Store } from '../../src/store/index.js';
import { buildImage, sha256, writeDirImage } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';

// A full disk, for real: a small tmpfs as the store's file system. Mounting needs root, which the
// project's machines and CI have; elsewhere these tests say why they did not run.
const mountSkip = process.getuid?.() === 0 ? false : 'mounting a tmpfs needs root';

/** Runs `fn` with a store on a tmpfs of `size` (e.g. '1m'), unmounted afterwards. */
async function withSmallFileSystem(size: string, fn: (root: string, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const mountPoint = join(dir, 'fs');
    await mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint]);
    try {
      await fn(join(mountPoint, 'store'), dir);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
}

/** Fills the file system holding `dir` to the last byte. */
async function fill(dir: string): Promise<void> {
  try {
    for (let i = 0; ; i++) await writeFile(join(dir, `filler-${i}`), Buffer.alloc(64 * 1024));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last, partial filler may leave less than a block: fill that too.
  await writeFile(join(dir, 'filler-last'), Buffer.alloc(1)).catch(() => undefined);
}

const expectStoreFull = (root: string) => ({
  code: 'STORE_FULL',
  message: `no space left in the image store ${root}`,
  hint: 'free space on that file system (hoist rmi removes images and the blobs only they use), or pass --root to store images elsewhere',
});

test('a blob larger than the free space fails with STORE_FULL naming the store, and leaves nothing in tmp/', { skip: mountSkip }, () =>
  withSmallFileSystem('1m', async (root) => {
    const store = await Store.open(root);
    const blob = randomBytes(2 * 1024 * 1024);
    await assert.rejects(
      store.writeBlob({ digest: sha256(blob), size: blob.length }, async (sink) => sink(blob)),
      expectStoreFull(root),
    );
    const after = await storeSnapshot(root);
    assert.deepEqual(after.tmp, []);
    assert.deepEqual(after.blobs, []);
  }),
);

test('marking a pull in flight on a full disk fails with STORE_FULL and leaves no empty marker', { skip: mountSkip }, () =>
  withSmallFileSystem('1m', async (root) => {
    const store = await Store.open(root);
    await fill(join(root, 'blobs'));
    await assert.rejects(store.markInFlight([sha256('a'), sha256('b')]), expectStoreFull(root));
    assert.deepEqual(
      (await readdir(store.paths.tmp)).filter((n) => n.startsWith('inflight-')),
      [],
    );
  }),
);

test('a pull into a full store fails with STORE_FULL, records nothing, and works once there is room', { skip: mountSkip }, () =>
  withSmallFileSystem('1m', async (root, dir) => {
    const image = buildImage({ layers: [{ big: randomBytes(1536 * 1024) }], uncompressed: true });
    const source = join(dir, 'image');
    await writeDirImage(source, image);
    await assert.rejects(pull(`dir:${source}`, { root, policy: 'always' }), expectStoreFull(root));
    const after = await storeSnapshot(root);
    assert.deepEqual(after.tmp, []);
    assert.equal(JSON.parse(after.index!).manifests.length, 0);
    const elsewhere = join(dir, 'roomy');
    const [pulled] = await pull(`dir:${source}`, { root: elsewhere });
    assert.equal(pulled!.id, image.id);
  }),
);
