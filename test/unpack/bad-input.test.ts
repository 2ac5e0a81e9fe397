import assert from 'node:assert/strict';
import { mkdir, readdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { unpack } from '../../src/unpack/index.js';
import { run, runHoist, startHoist } from '../helpers/cli.js';
import { sha256 } from '../helpers/images.js';
import { makeTar } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import {
  assertCliFailure,
  assertDirAsBefore,
  assertUnpackFails,
  badInputStore,
  dirState,
  freshParent,
  zstd,
  ZSTD,
  type BadInputStore,
} from './bad-input-support.js';

// Layers that lie or are broken, targets that must not be touched, a file system that fills up,
// and an interrupt: each fails with its code, one `Error:` line from the CLI (exit 125, or
// 130/143 for a signal), and DIR as it was before (absent again when unpack created it).

let scratch: string;
let store: BadInputStore;
const images: Record<string, string> = {};

const smallTar = makeTar([
  { name: 'etc/', type: 'dir' },
  { name: 'etc/first', data: 'first file\n' },
  { name: 'etc/second', data: 'x'.repeat(10_000) },
]);
const layerOfFirst = makeTar([
  { name: 'usr/', type: 'dir' },
  { name: 'usr/lower', data: 'from the first layer\n' },
]);

/** `tar` cut inside the second file's content, without the end-of-archive blocks. */
const truncatedTar = smallTar.subarray(0, 512 * 3 + 512 + 3000);

/** A gzip stream whose first deflate block has the reserved block type 3: no inflater reads past it. */
function corruptGzip(tar: Buffer): Buffer {
  const gz = Buffer.from(gzipSync(tar));
  gz[10] = gz[10]! | 0b110;
  return gz;
}

/** A zstd frame with bytes in the middle of its first block overwritten (zstd's CLI adds a content checksum). */
function corruptZstd(tar: Buffer): Buffer {
  const z = Buffer.from(zstd(tar));
  z.fill(0xa5, Math.floor(z.length / 2) - 8, Math.floor(z.length / 2) + 8);
  return z;
}

/**
 * A zstd bomb: 128 MiB of zeros after a small tar compress to a few KiB (zstd's RLE blocks), far
 * past 1000 × that + 64 MiB. The zeros follow the tar's end, so a bound that is not enforced
 * shows as a success or a diffid mismatch, never as a disk filled.
 */
function zstdBomb(): { blob: Buffer; tar: Buffer } {
  const tar = Buffer.concat([smallTar, Buffer.alloc(128 * 1024 * 1024)]);
  return { blob: zstd(tar), tar };
}

before(async () => {
  scratch = await makeTempDir();
  store = await badInputStore(scratch);
  const gz = (t: Buffer) => gzipSync(t);
  images.good = await store.add('good', [{ blob: gz(smallTar), tar: smallTar }]);
  images.truncatedTar = await store.add('truncated-tar', [{ blob: gz(truncatedTar), tar: truncatedTar }]);
  images.truncatedGzip = await store.add('truncated-gzip', [{ blob: gz(smallTar).subarray(0, gz(smallTar).length >> 1), tar: smallTar }]);
  images.diffIdMismatch = await store.add('diffid-mismatch', [
    { blob: gz(layerOfFirst), tar: layerOfFirst },
    { blob: gz(smallTar), diffId: sha256('not this layer') },
  ]);
  images.corruptGzip = await store.add('corrupt-gzip', [{ blob: corruptGzip(smallTar), tar: smallTar }]);
  images.corruptZstd = await store.add('corrupt-zstd', [{ blob: corruptZstd(smallTar), tar: smallTar, mediaType: ZSTD }]);
  images.zstdBomb = await store.add('zstd-bomb', [{ ...zstdBomb(), mediaType: ZSTD }]);
  images.layerCount = await store.add('layer-count', [{ blob: gz(smallTar), tar: smallTar }, { blob: gz(layerOfFirst) }], { diffIds: [sha256(smallTar)] });
  // 4000 files of 16 KiB (62.5 MiB): far more than the 2 MiB tmpfs, and long enough to interrupt.
  const bigTar = makeTar(Array.from({ length: 4000 }, (_, i) => ({ name: `data/file-${i}`, data: Buffer.alloc(16 * 1024, i % 251) })));
  images.big = await store.add('big', [{ blob: gz(bigTar), tar: bigTar }]);
});
after(() => removeDir(scratch));

/** `hoist unpack [FLAGS] IMAGE DIR` with the test store, and the shape of its failure; the `Error:` line names `names`. */
async function cliFails(image: string, dir: string, names?: string, flags: readonly string[] = []): Promise<string> {
  const before = await dirState(dir);
  const result = await runHoist(['--root', store.root, 'unpack', ...flags, image, dir], { env: store.env });
  assertCliFailure(result);
  const errorLine = result.stderr.split('\n').find((l) => l.startsWith('Error:'))!;
  if (names !== undefined) assert.ok(errorLine.includes(names), `the Error: line names ${names}: ${result.stderr}`);
  await assertDirAsBefore(before);
  return result.stderr;
}

describe('broken layers: INVALID_LAYER or DIGEST_MISMATCH, and DIR is removed again', () => {
  const cases: { title: string; image: () => string; code: 'INVALID_LAYER' | 'DIGEST_MISMATCH'; message?: RegExp }[] = [
    { title: 'a tar that ends inside an entry', image: () => images.truncatedTar!, code: 'INVALID_LAYER' },
    { title: 'a gzip stream cut short', image: () => images.truncatedGzip!, code: 'INVALID_LAYER' },
    { title: 'a corrupt gzip stream', image: () => images.corruptGzip!, code: 'INVALID_LAYER' },
    { title: 'a corrupt zstd stream', image: () => images.corruptZstd!, code: 'INVALID_LAYER' },
    { title: 'a zstd bomb (128 MiB from a few KiB)', image: () => images.zstdBomb!, code: 'INVALID_LAYER' },
    {
      title: "a second layer whose diff_id is another's (the first layer's files are removed too)",
      image: () => images.diffIdMismatch!,
      code: 'DIGEST_MISMATCH',
      message: new RegExp(`diffid mismatch: got ${sha256(smallTar)}, expected ${sha256('not this layer')}`),
    },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      const parent = await freshParent(scratch, c.title.replace(/\W+/g, '-'));
      await assertUnpackFails(store, c.image(), join(parent, 'absent'), c.code, c.message);
      await mkdir(join(parent, 'empty'));
      await assertUnpackFails(store, c.image(), join(parent, 'empty'), c.code, c.message);
      await cliFails(c.image(), join(parent, 'absent'));
    });
  }

  test('the message of a diffid mismatch names the layer and both digests', async () => {
    const parent = await freshParent(scratch, 'diffid-message');
    const err = await assertUnpackFails(store, images.diffIdMismatch!, join(parent, 'dir'), 'DIGEST_MISMATCH');
    assert.match(err.message, /^layer 2 \(sha256:[0-9a-f]{64}\): diffid mismatch: got sha256:[0-9a-f]{64}, expected sha256:[0-9a-f]{64}$/);
    const stderr = await cliFails(images.diffIdMismatch!, join(parent, 'dir'));
    assert.match(stderr, /^Error: layer 2 \(sha256:[0-9a-f]{64}\): diffid mismatch/m);
  });
});

describe('the target', () => {
  test('DIR not empty: UNPACK_TARGET, nothing in it touched', async () => {
    const dir = join(await freshParent(scratch, 'not-empty'), 'dir');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'keep'), 'mine\n');
    await assertUnpackFails(store, images.good!, dir, 'UNPACK_TARGET');
    await cliFails(images.good!, dir, dir);
  });

  test('DIR a file: UNPACK_TARGET, the file untouched', async () => {
    const dir = join(await freshParent(scratch, 'a-file'), 'file');
    await writeFile(dir, 'not a directory\n');
    await assertUnpackFails(store, images.good!, dir, 'UNPACK_TARGET');
    await cliFails(images.good!, dir, dir);
  });

  test('--bundle into a non-empty DIR: UNPACK_TARGET', async () => {
    const dir = join(await freshParent(scratch, 'bundle-not-empty'), 'dir');
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    await cliFails(images.good!, dir, dir, ['--bundle']);
  });

  test('a name not in the store: IMAGE_NOT_KNOWN, with a hint to hoist pull', async () => {
    const dir = join(await freshParent(scratch, 'unknown'), 'dir');
    const err = await assertUnpackFails(store, 'localhost/not-pulled:1', dir, 'IMAGE_NOT_KNOWN');
    assert.match(err.hint ?? '', /hoist pull/);
    assert.match(await cliFails('localhost/not-pulled:1', dir, 'localhost/not-pulled:1'), /hoist pull/);
  });

  test('a config whose diff_ids are fewer than the layers: INVALID_LAYER', async () => {
    const dir = join(await freshParent(scratch, 'layer-count'), 'dir');
    await assertUnpackFails(store, images.layerCount!, dir, 'INVALID_LAYER');
    await cliFails(images.layerCount!, dir);
  });
});

describe('a file system that fills up', () => {
  test('DIR on a 2 MiB tmpfs: NO_SPACE, and the tmpfs holds nothing of the unpack', async () => {
    const mountPoint = join(await freshParent(scratch, 'tmpfs'), 'mnt');
    await mkdir(mountPoint);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    assert.equal(mounted.status, 0, `mount -t tmpfs (the test runs as root): ${mounted.stderr}`);
    try {
      const empty = await statfs(mountPoint);
      // DIR absent (created by unpack, removed again), then DIR the mount point itself (emptied).
      await assertUnpackFails(store, images.big!, join(mountPoint, 'rootfs'), 'NO_SPACE');
      await assertUnpackFails(store, images.big!, mountPoint, 'NO_SPACE');
      await cliFails(images.big!, join(mountPoint, 'rootfs'), join(mountPoint, 'rootfs'));
      assert.deepEqual(await readdir(mountPoint), []);
      assert.equal((await statfs(mountPoint)).bfree, empty.bfree, 'every block written was freed');
    } finally {
      await run('umount', [mountPoint]);
    }
  });
});

describe('interrupted', () => {
  test('an AbortSignal mid-way: ABORTED, DIR removed', async () => {
    const dir = join(await freshParent(scratch, 'abort'), 'dir');
    const controller = new AbortController();
    const failure = unpack(images.big!, dir, {
      root: store.root,
      env: store.env,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'layer-progress') controller.abort();
      },
    }).then(
      () => assert.fail('unpack finished despite the abort'),
      (err: unknown) => err,
    );
    const err = (await failure) as { code?: string };
    assert.equal(err.code, 'ABORTED');
    assert.deepEqual(await readdir(join(dir, '..')), []);
  });

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`hoist unpack killed with ${signal} mid-way: exit ${status}, one Error: line, nothing left in DIR`, async () => {
      const parent = await freshParent(scratch, `signal-${signal}`);
      const dir = join(parent, 'dir');
      const started = startHoist(['--root', store.root, 'unpack', images.big!, dir], { env: store.env });
      // Mid-way: some files of the layer are written, not all.
      while ((await readdir(join(dir, 'data')).catch(() => [])).length < 20) {
        assert.equal(started.child.exitCode, null, 'hoist unpack ended before it could be interrupted');
        await sleep(5);
      }
      started.child.kill(signal);
      const result = await started.result;
      assertCliFailure(result, status);
      assert.match(result.stderr, new RegExp(`^Error: .*${signal}`, 'm'));
      assert.doesNotMatch(result.stderr, /pull interrupted/, 'the message is about the unpack');
      assert.deepEqual(await readdir(parent), [], 'DIR, which unpack created, is gone');
    });
  }
});
