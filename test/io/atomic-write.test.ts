import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { withTempDir } from '../helpers/tmp.js';

test('writeFileAtomic replaces the file and leaves no temp file', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'index.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new', { tmpPath: join(dir, 'tmp', 'index-1') });
    assert.equal(await readFile(path, 'utf8'), 'new');
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  }));

test('writeFileAtomic gives the mode asked for whatever the umask', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'aliases.conf');
    const before = process.umask(0o000);
    try {
      await writeFileAtomic(path, 'x', { tmpPath: `${path}.tmp`, mode: 0o600 });
    } finally {
      process.umask(before);
    }
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  }));

test('a failed writeFileAtomic removes its temp file', () =>
  withTempDir(async (dir) => {
    // The rename fails: the directory the file should go to does not exist.
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'file'), 'new', { tmpPath: join(dir, 'new.tmp') }), { code: 'ENOENT' });
    assert.deepEqual(await readdir(dir), []);
  }));
