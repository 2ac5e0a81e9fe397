import assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TarArchive } from '../../src/archive/index.js';
import { dockerArchive, gzippedZeros, tarHeader, withChecksum } from '../helpers/archives.js';
import { runHoist } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { isolatedEnv, storeSnapshot, withTempDir } from '../helpers/tmp.js';

/**
 * A gzip-compressed docker archive is decompressed into the store's tmp/ only as far as its tar
 * goes, and never past a bound: 4 MB of .tar.gz (a tiny image, then gigabytes of zeros after the
 * tar's end) used to write all of those gigabytes before the image was read.
 */

const MiB = 1024 * 1024;
/** Zeros after the tar's end: a copy that went on past the end would be this large. */
const PADDING_MIB = 512;
/** What the copy may hold past the tar: the chunks decompressed meanwhile, before the copy was stopped. */
const SLACK = 2 * MiB;

const image = buildImage({ uncompressed: true, format: 'docker' });

test('an archive padded with zeros after its tar is decompressed only as far as the tar goes, and pulls', () =>
  withTempDir(async (dir) => {
    const tar = dockerArchive([{ image, repoTags: ['padded:1'] }]);
    const path = join(dir, 'padded.tar.gz');
    await writeFile(path, Buffer.concat([gzipSync(tar), ...gzippedZeros(PADDING_MIB)]));

    // While the archive is open, its decompressed copy is all there will be of it.
    const tmpDir = join(dir, 'tmp');
    await mkdir(tmpDir);
    const archive = await TarArchive.open(path, { tmpDir });
    try {
      const copies = await readdir(tmpDir);
      assert.equal(copies.length, 1);
      const { size } = await stat(join(tmpDir, copies[0]!));
      assert.ok(size <= tar.length + SLACK, `the copy holds ${size} bytes for a tar of ${tar.length}`);
    } finally {
      await archive.close();
    }
    assert.deepEqual(await readdir(tmpDir), []);

    const root = join(dir, 'store');
    const result = await runHoist(['--root', root, 'pull', '-q', `docker-archive:${path}`], { env: await isolatedEnv(dir) });
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `${image.id}\n`);
    assert.deepEqual((await storeSnapshot(root)).tmp, []);
  }));

test('a gzip bomb whose tar claims a giant entry is refused at the bound, and leaves nothing in tmp/', () =>
  withTempDir(async (dir) => {
    const claimed = 2 ** 50; // 1 PiB, in GNU base-256
    const header = Buffer.from(tarHeader('bomb', 0));
    header.fill(0, 124, 136);
    header[124] = 0x80;
    header.writeUInt32BE(claimed / 2 ** 32, 128);
    const path = join(dir, 'bomb.tar.gz');
    await writeFile(path, Buffer.concat([gzipSync(withChecksum(header)), ...gzippedZeros(PADDING_MIB)]));

    const root = join(dir, 'bomb-store');
    const result = await runHoist(['--root', root, 'pull', '-q', `docker-archive:${path}`], { env: await isolatedEnv(dir) });
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(
      result.stderr,
      new RegExp(
        `^Error: invalid archive ${escaped(path)}: entry "bomb" needs ${claimed} bytes at offset 512, ` +
          `but the decompressed copy may take at most \\d+ bytes \\(half the space free in ${escaped(join(root, 'tmp'))}\\)\n` +
          `Hint: decompress the archive first \\(gunzip\\): hoist reads a plain archive in place, without a copy\n$`,
      ),
    );
    assert.equal(result.status, 125);
    assert.deepEqual((await storeSnapshot(root)).tmp, []);
  }));
