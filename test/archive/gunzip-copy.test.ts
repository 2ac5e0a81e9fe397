import assert from 'node:assert/strict';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GunzipCopy } from '../../src/archive/gunzip-copy.js';
import { readTarEntries } from '../../src/archive/tar-entries.js';
import { HoistError } from '../../src/errors.js';
import { gzippedZeros } from '../helpers/archives.js';
import { makeTar } from '../helpers/tar.js';
import { withTempDir } from '../helpers/tmp.js';

/** The bound on a decompressed copy, with a small limit in place of half the free space. */

const MiB = 1024 * 1024;
const limit = { bytes: MiB, words: 'the decompressed copy may take at most 1048576 bytes (the test says so)', hint: 'a hint' };

/** Starts a copy of `gzip` (written to a file first) and runs `fn` with it; the copy is closed after, and must be gone. */
function withCopy(gzip: Buffer, fn: (copy: GunzipCopy, archivePath: string) => Promise<void>, signal?: AbortSignal, bytes = limit.bytes): Promise<void> {
  return withTempDir(async (dir) => {
    const tmpDir = join(dir, 'tmp');
    await mkdir(tmpDir);
    const archivePath = join(dir, 'a.tar.gz');
    await writeFile(archivePath, gzip);
    const source = await open(archivePath, 'r');
    const copy = await GunzipCopy.start(source, { archivePath, tmpDir, limit: { ...limit, bytes }, ...(signal ? { signal } : {}) });
    try {
      await fn(copy, archivePath);
    } finally {
      await copy.close();
      await source.close();
    }
    assert.deepEqual(await readdir(tmpDir), [], 'the copy is removed');
  });
}

const copySize = async (copy: GunzipCopy) => (await stat(copy.path)).size;

test('a gzip stream that decompresses past the limit fails every read at the limit', () =>
  withCopy(Buffer.concat(gzippedZeros(4)), async (copy, archivePath) => {
    await assert.rejects(copy.reach(4 * MiB), (err: unknown) => {
      assert.ok(err instanceof HoistError, String(err));
      assert.equal(err.code, 'INVALID_ARCHIVE');
      assert.equal(err.message, `invalid archive ${archivePath}: it decompresses to more than ${MiB} bytes, but ${limit.words}`);
      assert.equal(err.hint, 'a hint');
      return true;
    });
    assert.ok((await copySize(copy)) <= MiB, `the copy grew to ${await copySize(copy)} bytes`);
  }));

test('a tar whose entries together pass the limit is refused at the header that would cross it', () => {
  const tar = makeTar(['a', 'b', 'c'].map((name) => ({ name, data: Buffer.alloc(400 * 1024, name) })));
  return withCopy(gzipSync(tar), async (copy, archivePath) => {
    const offset = 2 * (512 + 400 * 1024) + 512;
    await assert.rejects(readTarEntries(copy, archivePath), {
      code: 'INVALID_ARCHIVE',
      message: `invalid archive ${archivePath}: entry "c" needs ${400 * 1024} bytes at offset ${offset}, but ${limit.words}`,
      hint: 'a hint',
    });
    assert.ok((await copySize(copy)) <= MiB);
  });
});

test('a copy under the limit is read while it is written, and stop() ends it where the tar ends', () => {
  const tar = makeTar([{ name: 'f', data: Buffer.alloc(300 * 1024, 1) }]);
  return withCopy(Buffer.concat([gzipSync(tar), ...gzippedZeros(64)]), async (copy, archivePath) => {
    assert.deepEqual(
      (await readTarEntries(copy, archivePath)).map((e) => [e.name, e.size]),
      [['f', 300 * 1024]],
    );
    await copy.stop();
    // 64 MiB of zeros follow the tar: a copy that went on would pass the limit and fail.
    const kept = await copy.reach(Number.MAX_SAFE_INTEGER);
    assert.ok(kept >= tar.length && kept < MiB, `the copy holds ${kept} bytes`);
    assert.equal(await copySize(copy), kept);
  });
});

test('an abort stops the copy: every read fails with the abort reason', () => {
  const controller = new AbortController();
  const reason = new HoistError('ABORTED', 'interrupted by SIGINT');
  return withCopy(
    Buffer.concat(gzippedZeros(64)),
    async (copy) => {
      await copy.reach(MiB);
      controller.abort(reason);
      await assert.rejects(copy.reach(64 * MiB), (err) => err === reason);
    },
    controller.signal,
    1024 * MiB,
  );
});
