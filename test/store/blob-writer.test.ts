import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HoistError } from '../../src/errors.js';
import type { ChunkSink } from '../../src/io/chunk-sink.js';
import { deliver } from '../helpers/chunks.js';
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
    const open = (sink: ChunkSink) => (opens++, deliver(chunks(data))(sink));
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
    assert.equal(await store.writeBlob({ digest }, deliver(chunks(data))), 'written');
  }));

test('a wrong digest fails with DIGEST_MISMATCH naming both digests, and nothing reaches blobs/', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const corrupt = Buffer.from(data);
    corrupt[100] ^= 1;
    await assertFailsClean(
      store.root,
      store.writeBlob({ digest, size: data.length }, deliver(chunks(corrupt))),
      'DIGEST_MISMATCH',
      `digest mismatch for blob: expected ${digest}, got ${sha256(corrupt)}`,
    );
  }));

test('too few bytes fail with SIZE_MISMATCH', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await assertFailsClean(
      store.root,
      store.writeBlob({ digest, size: data.length }, deliver([data.subarray(0, 100)])),
      'SIZE_MISMATCH',
      `size mismatch for blob ${digest}: expected ${data.length} bytes, received only 100`,
    );
  }));

test('too many bytes fail with SIZE_MISMATCH as soon as the size is passed', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    let pulled = 0;
    // An endless source: only a check made while writing can stop it.
    const endless = function* () {
      for (;;) {
        pulled++;
        yield data;
      }
    };
    await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, deliver(endless())), 'SIZE_MISMATCH', /received more than/);
    assert.equal(pulled, 2, 'the source is stopped at the first chunk past the declared size');
  }));

test('a source failing at once, or after some bytes, leaves no temp file behind', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const unreadable = new HoistError('INVALID_SOURCE', 'unreadable');
    await assertFailsClean(
      store.root,
      store.writeBlob({ digest, size: data.length }, async () => {
        throw unreadable;
      }),
      'INVALID_SOURCE',
      'unreadable',
    );
    const midway = async (sink: ChunkSink) => {
      await sink(data.subarray(0, 1000));
      throw unreadable;
    };
    await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, midway), 'INVALID_SOURCE', 'unreadable');
  }));

test('aborting mid-download, for a reader that cannot resume, removes the temp file and commits nothing', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const controller = new AbortController();
    const { signal } = controller;
    // Delivers some bytes, is interrupted (Ctrl-C), and ends with the abort as a download does.
    const interrupted = async (sink: ChunkSink) => {
      await sink(data.subarray(0, 1000));
      controller.abort(new HoistError('ABORTED', 'interrupted by test'));
      throw signal.reason;
    };
    await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, interrupted, { signal }), 'ABORTED', 'interrupted by test');
  }));

test('a signal aborted before the write starts fails it at once, leaving nothing', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    let reads = 0;
    const write = store.writeBlob({ digest, size: data.length }, (sink) => (reads++, deliver([data])(sink)), {
      signal: AbortSignal.abort(new HoistError('ABORTED', 'too late')),
    });
    await assertFailsClean(store.root, write, 'ABORTED', 'too late');
    assert.equal(reads, 0);
  }));

test('an abandoned download claim of a dead process is broken', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const claim = join(store.paths.tmp, `claim-sha256-${digest.slice(7)}`);
    await writeFile(claim, String(dead));
    let opens = 0;
    assert.equal(await store.writeBlob({ digest, size: data.length }, (sink) => (opens++, deliver([data])(sink))), 'written');
    assert.equal(opens, 1);
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));

/** A reader that records the offset it was asked to start at and delivers the blob from there. */
function fromOffset(blob: Buffer, asked: number[]) {
  return (sink: ChunkSink, offset: number) => (asked.push(offset), deliver(chunks(blob.subarray(offset)))(sink));
}

test('with resume, a partial blob a killed download left is continued: the reader is asked only for the rest', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await writeFile(store.paths.ingest(digest), data.subarray(0, 5000));
    const asked: number[] = [];
    let counted = 0;
    const result = await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked), { resume: true, onBytes: (n) => (counted += n) });
    assert.equal(result, 'written');
    assert.deepEqual(asked, [5000]);
    assert.deepEqual(await readFile(store.paths.blob(digest)), data);
    assert.equal(counted, data.length, 'progress counts the adopted prefix once');
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));

test('without resume, a partial blob is started over', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await writeFile(store.paths.ingest(digest), Buffer.from('not a prefix of anything'));
    const asked: number[] = [];
    assert.equal(await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked)), 'written');
    assert.deepEqual(asked, [0]);
    assert.deepEqual(await readFile(store.paths.blob(digest)), data);
  }));

test('a partial blob that is not a prefix of the blob fails by digest at the end and is removed', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const wrong = Buffer.from(data.subarray(0, 5000));
    wrong[10] ^= 1;
    await writeFile(store.paths.ingest(digest), wrong);
    await assertFailsClean(store.root, store.writeBlob({ digest, size: data.length }, fromOffset(data, []), { resume: true }), 'DIGEST_MISMATCH');
  }));

test('a partial blob that is already whole is verified and stored without asking the reader', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await writeFile(store.paths.ingest(digest), data);
    const asked: number[] = [];
    assert.equal(await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked), { resume: true }), 'written');
    assert.deepEqual(asked, []);
    assert.deepEqual(await readFile(store.paths.blob(digest)), data);
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));

test('a partial blob longer than the blob is started over, not resumed', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await writeFile(store.paths.ingest(digest), Buffer.concat([data, Buffer.from('x')]));
    const asked: number[] = [];
    assert.equal(await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked), { resume: true }), 'written');
    assert.deepEqual(asked, [0]);
  }));

test('with resume, a download cut off by the network keeps its bytes for the next writer, which continues them', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const cut = async (sink: ChunkSink) => {
      await sink(data.subarray(0, 3000));
      throw new HoistError('CONNECTION_FAILED', 'connection reset', { retryable: true });
    };
    await assert.rejects(store.writeBlob({ digest, size: data.length }, cut, { resume: true }), { code: 'CONNECTION_FAILED' });
    assert.deepEqual(await readFile(store.paths.ingest(digest)), data.subarray(0, 3000));
    assert.equal(await store.hasBlob(digest), false);
    const asked: number[] = [];
    assert.equal(await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked), { resume: true }), 'written');
    assert.deepEqual(asked, [3000]);
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));

test('with resume, a source that ends short without an error (SIZE_MISMATCH "only", retryable) keeps its bytes for the next writer', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await assert.rejects(store.writeBlob({ digest, size: data.length }, deliver([data.subarray(0, 100)]), { resume: true }), { code: 'SIZE_MISMATCH' });
    assert.deepEqual(await readFile(store.paths.ingest(digest)), data.subarray(0, 100));
    const asked: number[] = [];
    assert.equal(await store.writeBlob({ digest, size: data.length }, fromOffset(data, asked), { resume: true }), 'written');
    assert.deepEqual(asked, [100]);
  }));

test('with resume, a failure that is not a cut-off download (too many bytes) still leaves nothing', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await assertFailsClean(store.root, store.writeBlob({ digest, size: 10 }, deliver([data]), { resume: true }), 'SIZE_MISMATCH');
  }));
