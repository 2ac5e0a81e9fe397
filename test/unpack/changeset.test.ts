import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { getAttribute } from '@napi-rs/xattr';
import { sha256 } from '../helpers/images.js';
import { layerTar, type LayerEntry } from '../helpers/layers.js';
import { asRoot, assertAbsent, assertSymlink, overrideStat, readText, withUnpackScene } from '../helpers/unpack-scene.js';

/*
 * The image-spec changeset rules and the metadata an unpack applies, as /work/unpack-semantics.md
 * states them. Where root and an unprivileged caller differ (owners, devices), each test asserts
 * the behaviour of the uid it runs as: rootless.test.ts runs this file again as uid 65534.
 */

/**
 * A zstd frame holding a tar of one file of `size` zero bytes, written as RLE blocks (4 bytes per
 * 128 KiB), and the diffid of what it decompresses to: a bomb built without holding it in memory.
 */
function zstdZeroBomb(size: number): { blob: Buffer; diffId: string } {
  const BLOCK = 128 * 1024;
  const header = layerTar([{ name: 'bomb', data: '' }]).subarray(0, 512);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('        ', 148, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const blockHeader = (length: number, type: number, last: boolean) => {
    const value = (length << 3) | (type << 1) | (last ? 1 : 0);
    return Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]);
  };
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3]), blockHeader(512, 0, false), header];
  const hash = createHash('sha256').update(header);
  const zeros = Buffer.alloc(BLOCK);
  for (let left = size + 1024; left > 0; left -= BLOCK) {
    const length = Math.min(BLOCK, left);
    parts.push(blockHeader(length, 1, left <= BLOCK), Buffer.from([0]));
    hash.update(zeros.subarray(0, length));
  }
  return { blob: Buffer.concat(parts), diffId: `sha256:${hash.digest('hex')}` };
}

const perm = async (path: string) => (await lstat(path)).mode & 0o7777;
const warningCodes = (run: { warnings: { code: string }[] }) => run.warnings.map((w) => w.code);

describe('changeset over existing files', () => {
  test('a directory over a directory keeps its children and takes the new attributes', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'd', type: 'dir', mode: 0o755, mtime: 100 },
          { name: 'd/child', data: 'kept' },
        ],
        [{ name: 'd', type: 'dir', mode: 0o700, mtime: 200, uid: 7, gid: 8 }],
      ]);
      assert.equal(await readText(s.at('d/child')), 'kept');
      const st = await lstat(s.at('d'));
      assert.equal(st.mode & 0o7777, 0o700);
      assert.equal(st.mtimeMs, 200_000);
      if (asRoot) assert.deepEqual([st.uid, st.gid], [7, 8]);
      else assert.equal(await overrideStat(s.at('d')), '7:8:0700:dir');
    }));

  test('a file over a directory removes the whole tree', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'd/sub/deep', data: 'gone' },
          { name: 'd/other', type: 'symlink', linkname: 'sub' },
        ],
        [{ name: 'd', data: 'now a file' }],
      ]);
      assert.ok((await lstat(s.at('d'))).isFile());
      assert.equal(await readText(s.at('d')), 'now a file');
    }));

  test('a symlink over a file replaces the file', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'f', data: 'a file' }], [{ name: 'f', type: 'symlink', linkname: 'elsewhere' }]]);
      await assertSymlink(s.at('f'), 'elsewhere');
    }));

  test('a file over a symlink replaces the link, never writing its target', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'target', data: 'target content' },
          { name: 'f', type: 'symlink', linkname: 'target' },
        ],
        [{ name: 'f', data: 'new file' }],
      ]);
      assert.ok((await lstat(s.at('f'))).isFile());
      assert.equal(await readText(s.at('f')), 'new file');
      assert.equal(await readText(s.at('target')), 'target content');
    }));

  test('a directory over a file replaces the file', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [{ name: 'x', data: 'a file' }],
        [
          { name: 'x', type: 'dir', mode: 0o751 },
          { name: 'x/child', data: 'c' },
        ],
      ]);
      assert.ok((await lstat(s.at('x'))).isDirectory());
      assert.equal(await perm(s.at('x')), 0o751);
      assert.equal(await readText(s.at('x/child')), 'c');
    }));

  test('a hardlink over a file from a lower layer replaces it', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'a', data: 'A' },
          { name: 'b', data: 'B' },
        ],
        [{ name: 'b', type: 'hardlink', linkname: 'a' }],
      ]);
      assert.equal(await readText(s.at('b')), 'A');
      assert.equal((await lstat(s.at('a'))).nlink, 2);
    }));

  test('an opaque whiteout at the root hides every lower path', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'a', data: 'A' },
          { name: 'b/c', data: 'C' },
        ],
        [
          { name: 'd', data: 'D' },
          { name: '.wh..wh..opq', data: '' },
        ],
      ]);
      assert.deepEqual(await readdir(s.dest), ['d']);
    }));

  test('a root directory entry (./) sets the attributes of DIR itself', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: './', type: 'dir', mode: 0o750, mtime: 4242 },
          { name: 'x', data: 'x' },
        ],
      ]);
      const st = await lstat(s.dest);
      assert.equal(st.mode & 0o7777, 0o750);
      assert.equal(st.mtimeMs, 4_242_000, 'set after x was written into it');
    }));
});

describe('modes', () => {
  test('setuid, setgid and sticky bits are kept on files and directories', () =>
    withUnpackScene(async (s) => {
      const modes: Array<[string, LayerEntry]> = [
        ['setuid', { name: 'setuid', data: '#!/bin/true\n', mode: 0o4755 }],
        ['setgid', { name: 'setgid', data: '#!/bin/true\n', mode: 0o2755 }],
        ['sticky dir', { name: 'tmp', type: 'dir', mode: 0o1777 }],
        ['setgid dir', { name: 'shared', type: 'dir', mode: 0o2775 }],
        ['all three', { name: 'all', data: 'x', mode: 0o7644 }],
      ];
      await s.apply([modes.map(([, e]) => e)]);
      for (const [what, e] of modes) assert.equal(await perm(s.at(e.name)), e.mode, what);
      if (!asRoot) assert.equal(await overrideStat(s.at('setuid')), '0:0:4755:file', 'the setuid bit is in the recorded mode');
    }));

  test('a mode-000 directory does not stop later entries, in its layer or the next', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'locked', type: 'dir', mode: 0o000 },
          { name: 'locked/same-layer', data: 'one' },
        ],
        [{ name: 'locked/next-layer', data: 'two' }],
      ]);
      assert.equal(await perm(s.at('locked')), 0, 'its mode is set after the last layer');
      // An unprivileged caller has to open its own mode-000 directory to look inside.
      if (!asRoot) await chmod(s.at('locked'), 0o700);
      assert.equal(await readText(s.at('locked/same-layer')), 'one');
      assert.equal(await readText(s.at('locked/next-layer')), 'two');
    }));
});

describe('times', () => {
  test('mtimes of files, symlinks and directories, PAX fractions, atime = mtime without PAX atime', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'd', type: 'dir', mtime: 1000 },
          { name: 'd/file', data: 'x', mtime: 1_234_567_890 },
          { name: 'd/frac', data: 'x', pax: { mtime: '1700000000.5' } },
          { name: 'd/with-atime', data: 'x', mtime: 2000, pax: { atime: '3000.25' } },
          { name: 'd/link', type: 'symlink', linkname: 'file', mtime: 5000 },
        ],
      ]);
      // lstat before any read: reading a file may move its atime.
      const file = await lstat(s.at('d/file'));
      assert.equal(file.mtimeMs, 1_234_567_890_000);
      assert.equal(file.atimeMs, file.mtimeMs, 'atime defaults to mtime');
      assert.equal((await lstat(s.at('d/frac'))).mtimeMs, 1_700_000_000_500);
      const withAtime = await lstat(s.at('d/with-atime'));
      assert.deepEqual([withAtime.mtimeMs, withAtime.atimeMs], [2_000_000, 3_000_250]);
      assert.equal((await lstat(s.at('d/link'))).mtimeMs, 5_000_000, 'symlink times via lutimes');
      assert.equal((await lstat(s.at('d'))).mtimeMs, 1_000_000, 'a directory mtime is set after its children are written');
    }));

  test('a directory keeps its mtime when a later layer adds or whites out a child', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'd', type: 'dir', mtime: 1000 },
          { name: 'd/old', data: 'x' },
        ],
        [
          { name: 'd/new', data: 'y' },
          { name: 'd/.wh.old', data: '' },
        ],
      ]);
      assert.deepEqual(await readdir(s.at('d')), ['new']);
      assert.equal((await lstat(s.at('d'))).mtimeMs, 1_000_000);
    }));
});

describe('ownership', () => {
  test('header owners are applied as root (PAX uid/gid win), recorded in override_stat otherwise', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'owned', data: 'x', uid: 1234, gid: 5678 },
          { name: 'pax-owned', data: 'x', uid: 1, gid: 2, pax: { uid: '4242', gid: '4343' } },
          { name: 'owned-dir', type: 'dir', mode: 0o750, uid: 33, gid: 44 },
          { name: 'owned-link', type: 'symlink', linkname: 'owned', uid: 55, gid: 66 },
        ],
      ]);
      if (asRoot) {
        const owner = async (p: string) => {
          const st = await lstat(s.at(p));
          return [st.uid, st.gid];
        };
        assert.deepEqual(await owner('owned'), [1234, 5678]);
        assert.deepEqual(await owner('pax-owned'), [4242, 4343]);
        assert.deepEqual(await owner('owned-dir'), [33, 44]);
        assert.deepEqual(await owner('owned-link'), [55, 66], 'symlinks are lchowned');
      } else {
        assert.equal(await overrideStat(s.at('owned')), '1234:5678:0644:file');
        assert.equal(await overrideStat(s.at('pax-owned')), '4242:4343:0644:file');
        assert.equal(await overrideStat(s.at('owned-dir')), '33:44:0750:dir');
        for (const p of ['owned', 'owned-dir', 'owned-link']) assert.equal((await lstat(s.at(p))).uid, process.getuid?.(), `${p} is not chowned`);
      }
    }));
});

describe('symlinks', () => {
  test('targets are written verbatim: absolute stays absolute', () =>
    withUnpackScene(async (s) => {
      const links: Array<[string, string]> = [
        ['etc/localtime', '/usr/share/zoneinfo/UTC'],
        ['rel', '../x/./y'],
        ['up', '../../../../..'],
        ['slash', '/'],
        ['dangling', 'nothing/here'],
      ];
      await s.apply([links.map(([name, linkname]) => ({ name, type: 'symlink' as const, linkname }))]);
      for (const [name, target] of links) await assertSymlink(s.at(name), target);
    }));

  test('usrmerge: lib -> usr/lib in one layer, lib/x in the next lands in usr/lib/x', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'usr/lib', type: 'dir' },
          { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
          { name: 'lib64', type: 'symlink', linkname: '/usr/lib' },
        ],
        [
          { name: 'lib/x', data: 'in usr/lib' },
          { name: 'lib64/y', data: 'also in usr/lib' },
        ],
      ]);
      assert.equal(await readText(s.at('usr/lib/x')), 'in usr/lib');
      assert.equal(await readText(s.at('usr/lib/y')), 'also in usr/lib');
      await assertSymlink(s.at('lib'), 'usr/lib');
      await assertSymlink(s.at('lib64'), '/usr/lib');
    }));

  test('a symlink loop in a parent is INVALID_LAYER', () =>
    withUnpackScene((s) =>
      s.rejects(
        [
          [
            { name: 'a', type: 'symlink', linkname: 'b' },
            { name: 'b', type: 'symlink', linkname: 'a' },
            { name: 'a/x', data: 'never' },
          ],
        ],
        'INVALID_LAYER',
      ),
    ));
});

describe('special files', () => {
  test('FIFOs are real FIFOs', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'run/fifo', type: 'fifo', mode: 0o620 }]]);
      const st = await lstat(s.at('run/fifo'));
      assert.ok(st.isFIFO());
      assert.equal(st.mode & 0o7777, 0o620);
    }));

  test('device nodes: real as root; empty mode-0000 placeholders with one DEVICE_PLACEHOLDER warning rootless', () =>
    withUnpackScene(async (s) => {
      const run = await s.apply([
        [
          { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
          { name: 'dev/loop0', type: 'block', mode: 0o660, devmajor: 7, devminor: 0 },
        ],
      ]);
      const [chr, blk] = await Promise.all([lstat(s.at('dev/null')), lstat(s.at('dev/loop0'))]);
      if (asRoot) {
        assert.ok(chr.isCharacterDevice());
        assert.equal(chr.rdev, (1 << 8) | 3);
        assert.equal(chr.mode & 0o7777, 0o666);
        assert.ok(blk.isBlockDevice());
        assert.equal(blk.rdev, 7 << 8);
        assert.ok(!warningCodes(run).includes('DEVICE_PLACEHOLDER'));
      } else {
        for (const st of [chr, blk]) {
          assert.ok(st.isFile());
          assert.equal(st.size, 0);
          assert.equal(st.mode & 0o7777, 0);
        }
        assert.equal(await overrideStat(s.at('dev/null')), '0:0:0666:char-1-3');
        assert.equal(await overrideStat(s.at('dev/loop0')), '0:0:0660:block-7-0');
        assert.deepEqual(
          warningCodes(run).filter((c) => c === 'DEVICE_PLACEHOLDER'),
          ['DEVICE_PLACEHOLDER'],
          'one warning per unpack',
        );
      }
    }));
});

describe('xattrs', () => {
  test('PAX SCHILY.xattr.user.* is applied; trusted.* is skipped with one XATTR_SKIPPED warning', () =>
    withUnpackScene(async (s) => {
      const run = await s.apply([
        [
          { name: 'f', data: 'x', pax: { 'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.trusted.x': 'y' } },
          { name: 'g', data: 'x', pax: { 'SCHILY.xattr.trusted.z': 'w' } },
          { name: 'd', type: 'dir', pax: { 'SCHILY.xattr.user.dir': 'on a dir' } },
        ],
      ]);
      assert.equal((await getAttribute(s.at('f'), 'user.foo'))?.toString(), 'bar');
      assert.equal((await getAttribute(s.at('d'), 'user.dir'))?.toString(), 'on a dir');
      assert.equal(await getAttribute(s.at('f'), 'trusted.x'), null);
      assert.equal(await getAttribute(s.at('g'), 'trusted.z'), null);
      assert.deepEqual(
        warningCodes(run).filter((c) => c === 'XATTR_SKIPPED'),
        ['XATTR_SKIPPED'],
      );
      assert.ok(
        run.events.some((e) => e.type === 'warning' && e.code === 'XATTR_SKIPPED'),
        'the warning is also an event',
      );
    }));
  // A v2 capability (VFS_CAP_REVISION_2, effective) granting CAP_NET_BIND_SERVICE (bit 10).
  const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  test('security.capability survives the chown as root (set after it), and is skipped rootless', () =>
    withUnpackScene(async (s) => {
      const run = await s.apply([[{ name: 'ping', data: 'x', mode: 0o755, uid: 1000, gid: 1000, pax: { 'SCHILY.xattr.security.capability': capability } }]]);
      const got = await getAttribute(s.at('ping'), 'security.capability');
      if (asRoot) {
        assert.deepEqual(got, capability);
        assert.deepEqual(warningCodes(run), []);
      } else {
        assert.equal(got, null);
        assert.deepEqual(warningCodes(run), ['XATTR_SKIPPED']);
      }
    }));

  test('security.selinux is never applied', () =>
    withUnpackScene(async (s) => {
      const run = await s.apply([[{ name: 'f', data: 'x', pax: { 'SCHILY.xattr.security.selinux': 'system_u:object_r:evil_t:s0' } }]]);
      assert.deepEqual(warningCodes(run), ['XATTR_SKIPPED']);
      assert.notEqual((await getAttribute(s.at('f'), 'security.selinux'))?.toString(), 'system_u:object_r:evil_t:s0');
    }));
});

describe('layers', () => {
  const entries: LayerEntry[] = [
    { name: 'etc/hostname', data: 'hoist\n' },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  ];
  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    test(`a ${compression} layer`, () =>
      withUnpackScene(async (s) => {
        const run = await s.apply([entries], { compression });
        assert.equal(run.layers, 1);
        assert.equal(await readText(s.at('etc/hostname')), 'hoist\n');
        await assertSymlink(s.at('bin/sh'), 'busybox');
      }));
  }

  const zstdCli = spawnSync('zstd', ['--version']).status === 0;
  test('a zstd layer made by the zstd encoder (compressed blocks)', { skip: zstdCli ? false : 'the zstd command is not installed' }, () =>
    withUnpackScene(async (s) => {
      const tar = layerTar([...entries, { name: 'big', data: 'compressible '.repeat(20_000) }]);
      const zst = spawnSync('zstd', ['-q', '-c', '-19'], { input: tar }).stdout;
      assert.ok(zst.length < tar.length / 10, 'really compressed');
      // The layer is stored as given ("none") and recognised by its magic bytes; its diffid is the tar's.
      await s.apply([zst], { compression: 'none', diffIds: [sha256(tar)] });
      assert.equal(await readText(s.at('big')), 'compressible '.repeat(20_000));
    }),
  );

  test('layers apply in order: the last one wins', () =>
    withUnpackScene(async (s) => {
      const run = await s.apply([[{ name: 'f', data: 'one' }], [{ name: 'f', data: 'two' }], [{ name: 'f', data: 'three' }]], {
        compression: ['gzip', 'zstd', 'none'],
      });
      assert.equal(run.layers, 3);
      assert.equal(await readText(s.at('f')), 'three');
    }));

  test('a diffid mismatch is DIGEST_MISMATCH and the unpack is removed', () =>
    withUnpackScene(async (s) => {
      const tar = layerTar([{ name: 'f', data: 'x' }]);
      const expected = sha256('something else');
      const error = await s.rejects([tar, tar], 'DIGEST_MISMATCH', /diffid mismatch/, { diffIds: [sha256(tar), expected] });
      assert.ok(error.message.includes(`got ${sha256(tar)}`) && error.message.includes(`expected ${expected}`), error.message);
    }));

  test('a config with fewer diff_ids than layers is INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      const tar = layerTar([{ name: 'f', data: 'x' }]);
      await s.rejects([tar, tar], 'INVALID_LAYER', undefined, { diffIds: [sha256(tar)] });
    }));

  test('a corrupt gzip layer is INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      const gz = gzipSync(layerTar([{ name: 'f', data: 'x'.repeat(10_000) }]));
      const corrupt = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(200, 0xa5), gz.subarray(220)]);
      await s.rejects([corrupt], 'INVALID_LAYER', undefined, { compression: 'none' });
    }));

  test('a name longer than 4096 bytes is INVALID_LAYER', () =>
    withUnpackScene((s) => s.rejects([[{ name: `${'n'.repeat(200)}/`.repeat(21), data: 'x' }]], 'INVALID_LAYER')));

  test('a symlink target longer than 4096 bytes is INVALID_LAYER', () =>
    withUnpackScene((s) => s.rejects([[{ name: 'long', type: 'symlink', linkname: `/${'t'.repeat(4100)}` }]], 'INVALID_LAYER')));

  test('a name of more than 1024 components is INVALID_LAYER', () =>
    withUnpackScene((s) => s.rejects([[{ name: `${'c/'.repeat(1025)}f`, data: 'x' }]], 'INVALID_LAYER')));

  test('an AUFS meta entry (.wh..wh.plnk) is skipped', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: '.wh..wh.plnk', type: 'dir' },
          { name: 'kept', data: 'kept' },
        ],
      ]);
      assert.deepEqual(await readdir(s.dest), ['kept']);
      await assertAbsent(s.at('.wh..wh.plnk'));
    }));

  // A layer's diffid is the hash of all its uncompressed bytes, the ones after the tar's end too (as umoci drains them).
  const junked = Buffer.concat([layerTar([{ name: 'f', data: 'x' }]), Buffer.from('trailing junk')]);
  test('bytes after the end of the tar count in the diffid: matching', () =>
    withUnpackScene(async (s) => {
      await s.apply([junked]);
      assert.equal(await readText(s.at('f')), 'x');
    }));

  test('bytes after the end of the tar count in the diffid: a diffid of the tar alone is DIGEST_MISMATCH', () =>
    withUnpackScene((s) => s.rejects([junked], 'DIGEST_MISMATCH', /diffid mismatch/, { diffIds: [sha256(junked.subarray(0, junked.length - 13))] })));

  test('a corrupt zstd layer is INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      // A zstd magic and frame header, then a block header promising more than there is.
      const corrupt = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), Buffer.from([0xfd, 0xff, 0x0f]), Buffer.alloc(64, 0x5a)]);
      await s.rejects([corrupt], 'INVALID_LAYER', undefined, { compression: 'none' });
    }));

  test('the same RLE zstd construction under the bound unpacks (8 MiB of zeros)', () =>
    withUnpackScene(async (s) => {
      const { blob, diffId } = zstdZeroBomb(8 * 1024 * 1024);
      await s.apply([blob], { compression: 'none', diffIds: [diffId] });
      assert.equal((await lstat(s.at('bomb'))).size, 8 * 1024 * 1024);
    }));

  test('a zstd bomb (70 MiB from 3 KiB, past 1000 x compressed + 64 MiB) is INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      const { blob, diffId } = zstdZeroBomb(70 * 1024 * 1024);
      await s.rejects([blob], 'INVALID_LAYER', undefined, { compression: 'none', diffIds: [diffId] });
    }));
});
