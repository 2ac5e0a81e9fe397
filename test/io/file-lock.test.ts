import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileLockError, withFileLock } from '../../src/io/file-lock.js';
import { withTempDir } from '../helpers/tmp.js';

const patient = { retries: 100, minTimeout: 5, maxTimeout: 20 };

test('withFileLock runs holders one at a time, on a target that does not exist yet', () =>
  withTempDir(async (dir) => {
    const target = join(dir, 'not-yet');
    const options = { lockPath: `${target}.lock`, retries: patient };
    let inside = 0;
    let peak = 0;
    const hold = () =>
      withFileLock(target, options, async () => {
        peak = Math.max(peak, ++inside);
        await sleep(20);
        inside--;
      });
    await Promise.all([hold(), hold(), hold()]);
    assert.equal(peak, 1);
  }));

test('a lock that cannot be taken in time is a FileLockError of the acquire phase', () =>
  withTempDir(async (dir) => {
    const target = join(dir, 'file');
    const lockPath = `${target}.lock`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = withFileLock(target, { lockPath, retries: patient }, () => held);
    await sleep(20);
    await assert.rejects(
      withFileLock(target, { lockPath, retries: { retries: 0, minTimeout: 1, maxTimeout: 1 } }, async () => undefined),
      (err) => err instanceof FileLockError && err.phase === 'acquire',
    );
    release();
    await holder;
  }));
