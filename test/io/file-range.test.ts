import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readdir, readlink, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HoistError } from '../../src/errors.js';
import type { ChunkSink } from '../../src/io/chunk-sink.js';
import { pumpFileRange, type FileRange } from '../../src/io/file-range.js';
import { withTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;

/** A file of random bytes in a fresh temp dir. */
function withFile<T>(size: number, fn: (path: string, content: Buffer) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'blob');
    const content = randomBytes(size);
    await writeFile(path, content);
    return fn(path, content);
  });
}

/** Opens `path`, pumps `range` of it and closes it again, as the pump's callers do. */
async function pumpFile(path: string, range: FileRange, sink: ChunkSink, what: string, signal?: AbortSignal): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await pumpFileRange(fh, range, sink, what, signal);
  } finally {
    await fh.close();
  }
}

/** Descriptors of this process open on `path` (Linux /proc), to see that the file was closed after the pump returned. */
async function openDescriptorsOf(path: string): Promise<string[]> {
  const target = await realpath(path);
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return fds.filter((_, i) => targets[i] === target);
}

/** A sink that keeps a copy of everything it is given, in order. */
function collector() {
  const chunks: Buffer[] = [];
  return {
    sink: (chunk: Buffer) => void chunks.push(Buffer.from(chunk)),
    get bytes() {
      return Buffer.concat(chunks);
    },
  };
}

test('delivers exactly the bytes of the range, in order, for ranges inside, across and at the end of the file', () =>
  withFile(3 * MiB + 1234, async (path, content) => {
    for (const range of [
      { start: 0, length: content.length },
      { start: 12345, length: 2 * MiB + 7 },
      { start: MiB, length: MiB },
      { start: content.length - 10, length: 10 },
      { start: 5, length: 1 },
    ]) {
      const got = collector();
      await pumpFile(path, range, got.sink, 'the blob');
      assert.ok(got.bytes.equals(content.subarray(range.start, range.start + range.length)), JSON.stringify(range));
    }
    assert.deepEqual(await openDescriptorsOf(path), []);
  }));

test('an empty range delivers nothing', () =>
  withFile(100, async (path) => {
    let calls = 0;
    await pumpFile(path, { start: 10, length: 0 }, () => void calls++, 'the blob');
    assert.equal(calls, 0);
  }));

test('a sink that answers with slow promises gets every byte in order, and each chunk stays intact until its promise settles', () =>
  withFile(5 * MiB + 99, async (path, content) => {
    const received: Buffer[] = [];
    const changed: number[] = [];
    await pumpFile(
      path,
      { start: 99, length: 5 * MiB },
      async (chunk) => {
        const copy = Buffer.from(chunk);
        received.push(copy);
        // The pump reads on meanwhile: this chunk's buffer must not be refilled before we settle.
        for (let i = 0; i < 5; i++) await nextTurn();
        if (!chunk.equals(copy)) changed.push(received.length - 1);
      },
      'the blob',
    );
    assert.deepEqual(changed, [], 'chunks overwritten while the sink still held them');
    assert.ok(Buffer.concat(received).equals(content.subarray(99)));
  }));

test('a file shorter than the range fails with INVALID_SOURCE "was cut short", after delivering what there was', () =>
  withFile(2 * MiB + 500, async (path, content) => {
    const got = collector();
    await assert.rejects(pumpFile(path, { start: 100, length: 3 * MiB }, got.sink, '"layer.tar" in image.tar'), (err: unknown) => {
      assert.ok(err instanceof HoistError, String(err));
      assert.equal(err.code, 'INVALID_SOURCE');
      assert.equal(err.message, `"layer.tar" in image.tar was cut short at byte ${2 * MiB + 400} of ${3 * MiB} (the file changed while being read)`);
      return true;
    });
    assert.ok(got.bytes.equals(content.subarray(100)));
    assert.deepEqual(await openDescriptorsOf(path), []);
  }));

test('a range starting past the end of the file is cut short at byte 0', () =>
  withFile(10, async (path) => {
    await assert.rejects(
      pumpFile(path, { start: 20, length: 5 }, () => undefined, 'the blob'),
      /the blob was cut short at byte 0 of 5/,
    );
  }));

test('a missing file is an error', async () => {
  await assert.rejects(
    pumpFile('/nonexistent/hoist/blob', { start: 0, length: 1 }, () => undefined, 'the blob'),
    { code: 'ENOENT' },
  );
});

test('a sink that throws stops the pump at once: the error propagates and the file is closed', () =>
  withFile(6 * MiB, async (path) => {
    const failure = new Error('disk full');
    let calls = 0;
    const sink = () => {
      calls++;
      throw failure;
    };
    await assert.rejects(pumpFile(path, { start: 0, length: 6 * MiB }, sink, 'the blob'), (err) => err === failure);
    assert.equal(calls, 1);
    assert.deepEqual(await openDescriptorsOf(path), []);
  }));

test('a sink promise that rejects stops the pump: the error propagates, the rest is not read, and the file is closed', () =>
  withFile(8 * MiB, async (path) => {
    const failure = new Error('write failed');
    let delivered = 0;
    const sink = async (chunk: Buffer) => {
      delivered += chunk.length;
      await nextTurn();
      throw failure;
    };
    await assert.rejects(pumpFile(path, { start: 0, length: 8 * MiB }, sink, 'the blob'), (err) => err === failure);
    assert.ok(delivered < 8 * MiB, `all ${delivered} bytes were delivered after the sink failed`);
    assert.deepEqual(await openDescriptorsOf(path), []);
  }));

test('an abort stops the pump with the abort error, and the file is closed', () =>
  withFile(8 * MiB, async (path) => {
    const controller = new AbortController();
    const reason = new HoistError('ABORTED', 'interrupted by the user');
    let delivered = 0;
    const sink = (chunk: Buffer) => {
      delivered += chunk.length;
      controller.abort(reason);
    };
    await assert.rejects(pumpFile(path, { start: 0, length: 8 * MiB }, sink, 'the blob', controller.signal), (err) => err === reason);
    assert.ok(delivered < 8 * MiB, `all ${delivered} bytes were delivered after the abort`);
    assert.deepEqual(await openDescriptorsOf(path), []);
  }));
