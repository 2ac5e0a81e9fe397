import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSmallFile, readSmallFileIfPresent, type FileFailure } from '../../src/io/open-regular-file.js';
import { withTempDir } from '../helpers/tmp.js';

/** Each failure worded as its reason (and kind or size), so the test reads which one came. */
const word = (failure: FileFailure) =>
  new Error(
    failure.reason === 'not-regular' ? `not-regular ${failure.kind}` : failure.reason === 'too-large' ? `too-large ${failure.size ?? 'grew'}` : failure.reason,
  );

test('readSmallFile reads a small regular file whole', () =>
  withTempDir(async (dir) => {
    await writeFile(join(dir, 'f'), 'hello');
    assert.equal((await readSmallFile(join(dir, 'f'), 5, word)).toString(), 'hello');
  }));

test('readSmallFile words every failure through the caller: missing, not regular, too large, unreadable', () =>
  withTempDir(async (dir) => {
    await assert.rejects(readSmallFile(join(dir, 'none'), 10, word), { message: 'missing' });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await assert.rejects(readSmallFile(join(dir, 'fifo'), 10, word), { message: 'not-regular FIFO' });
    await assert.rejects(readSmallFile(dir, 10, word), { message: 'not-regular directory' });
    await writeFile(join(dir, 'big'), '');
    await truncate(join(dir, 'big'), 11);
    await assert.rejects(readSmallFile(join(dir, 'big'), 10, word), { message: 'too-large 11' });
    // Node refuses a path with a NUL byte before any system call (a TypeError without errno): it
    // is the caller's "unreadable", never a raw TypeError.
    await assert.rejects(readSmallFile(join(dir, 'a\u0000b'), 10, word), { message: 'unreadable' });
  }));

test('readSmallFileIfPresent gives undefined for a missing file and words the rest', () =>
  withTempDir(async (dir) => {
    assert.equal(await readSmallFileIfPresent(join(dir, 'none'), 10, word), undefined);
    await assert.rejects(readSmallFileIfPresent(dir, 10, word), { message: 'not-regular directory' });
  }));
