import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HoistError } from '../../src/errors.js';
import { sha256 } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';
import { openStore } from './fixtures.js';

const data = Buffer.from('some blob content\n'.repeat(1000));
const digest = sha256(data);
const chunks = (buf: Buffer, size = 4096) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

/** Asserts the write failed with `code` and left neither a blob nor anything in tmp/. */
async function assertFailsClean(root: string, write: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(write, (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(await storeSnapshot(root), { index: await readFile(join(root, 'index.json'), 'utf8'), blobs: [], tmp: [] });
}

test('writeBlob stores a verified blob at its content address, and only once', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    let counted = 0;
    let opens = 0;
    const open = async () => (opens++, Readable.from(chunks(data)));
    assert.equal(await store.writeBlob({ digest, size: data.length }, open, { onBytes: (n) => (counted += n) }), 'written');
    assert.deepEqual(await readFile(store.paths.blob(digest)), data);
    assert.equal(counted, data.length);
    assert.deepEqual(await readdir(store.paths.tmp), []);
    assert.equal(await store.writeBlob({ digest, size: data.length }, open), 'exists');
    assert.equal(opens, 1);
    assert.equal(await store.hasBlob(digest), true);
  }));

test('a blob without a declared size is verified by digest alone', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    assert.equal(await store.writeBlob({ digest }, async () => Readable.from(chunks(data))), 'written');
  }));

test('a wrong digest fails with DIGEST_MISMATCH naming both digests, and nothing reaches blobs/', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const corrupt = Buffer.from(data);
    corrupt[100] ^= 1;
    await assertFailsClean(
      store.root,
      store.writeBlob({ digest, size: data.length }, async () => Readable.from(chunks(corrupt))),
      'DIGEST_MISMATCH',
      `digest mismatch for blob: expected ${digest}, got ${sha256(corrupt)}`,
    );
  }));

test('too few bytes fail with SIZE_MISMATCH', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await assertFailsClean(
      store.root,
      store.writeBlob({ digest, size: data.length }, async () => Readable.from([data.subarray(0, 100)])),
      'SIZE_MISMATCH',
      `size mismatch for blob ${digest}: expected ${data.length} bytes, received only 100`,
    );
  }));

test('too many bytes fail with SIZE_MISMATCH as soon as the size is passed', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    let pulled = 0;
    // An endless source: only a check made while writing can stop it.
    const endless = async function* () {
      for (;;) {
        pulled++;
        yield data;
      }
    };
    await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, async () => Readable.from(endless())), 'SIZE_MISMATCH', /received more than/);
    assert.ok(pulled < 100, `the source was read ${pulled} times after the size was passed`);
  }));

test('a source failing at once leaves no temp file behind', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const failing = async () => new Readable({ read() { this.destroy(new HoistError('INVALID_SOURCE', 'unreadable')); } });
    // The failure races the temp file's creation: try it often enough to see a leftover.
    for (let i = 0; i < 30; i++) {
      await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, failing), 'INVALID_SOURCE', 'unreadable');
    }
  }));

test('a source stream that errors before it is piped is handled, not an uncaught error', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    // Destroyed on the next tick by its own (already aborted) signal: the writer must be piping by then.
    const aborted = async () => new Readable({ read() {}, signal: AbortSignal.abort() });
    await assert.rejects(store.writeBlob({ digest, size: data.length }, aborted), { name: 'AbortError' });
    assert.deepEqual((await storeSnapshot(store.root)).tmp, []);
  }));

test('aborting mid-stream removes the temp file and commits nothing', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const controller = new AbortController();
    const stalled = new Readable({ read() {} });
    stalled.push(data.subarray(0, 1000)); // then nothing more: the download hangs until aborted
    const write = store.writeBlob({ digest, size: data.length }, async () => stalled, {
      signal: controller.signal,
      onBytes: () => controller.abort(new HoistError('ABORTED', 'interrupted by test')),
    });
    await assertFailsClean(store.root, write, 'ABORTED', 'interrupted by test');
  }));

test('an abandoned download claim of a dead process is broken', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const claim = join(store.paths.tmp, `claim-sha256-${digest.slice(7)}`);
    await writeFile(claim, String(dead));
    let opens = 0;
    assert.equal(await store.writeBlob({ digest, size: data.length }, async () => (opens++, Readable.from([data]))), 'written');
    assert.equal(opens, 1);
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));
