import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { mapLimited, runLimited } from '../../src/io/run-limited.js';

test('runLimited runs every task, never more than the limit at once', async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  const tasks = Array.from({ length: 10 }, (_, i) => async () => {
    peak = Math.max(peak, ++running);
    await tick();
    running--;
    done.push(i);
  });
  await runLimited(tasks, 3);
  assert.equal(peak, 3);
  assert.deepEqual(
    done.sort((a, b) => a - b),
    [...Array(10).keys()],
  );
});

test('runLimited: the first failure aborts the running tasks, starts no more, and is thrown', async () => {
  const started: number[] = [];
  let abortedPeer = false;
  const failure = new Error('first');
  const tasks = Array.from({ length: 6 }, (_, i) => async (signal: AbortSignal) => {
    started.push(i);
    if (i === 0) {
      await tick();
      throw failure;
    }
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    abortedPeer = true;
    throw new Error(`later ${i}`);
  });
  await assert.rejects(runLimited(tasks, 2), failure);
  assert.deepEqual(started, [0, 1]);
  assert.equal(abortedPeer, true);
});

test('runLimited: an abort of the parent signal stops the tasks and is what is thrown', async () => {
  const parent = new AbortController();
  const reason = new Error('interrupted');
  const task = (signal: AbortSignal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  const run = runLimited([task, task], 2, parent.signal);
  parent.abort(reason);
  await assert.rejects(run, reason);
});

test('runLimited: a task that releases its slot early lets the next one start while it finishes', async () => {
  const events: string[] = [];
  let finishFirst!: () => void;
  const first = async (_signal: AbortSignal, release: () => void) => {
    events.push('first downloads');
    release();
    await new Promise<void>((resolve) => (finishFirst = resolve));
    events.push('first finished');
  };
  const second = async () => {
    events.push('second starts');
    finishFirst();
  };
  await runLimited([first, second], 1);
  assert.deepEqual(events, ['first downloads', 'second starts', 'first finished']);
});

test('runLimited: releasing twice frees one slot only', async () => {
  const started: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const task = (name: string, releaseEarly: boolean) => async (_signal: AbortSignal, release: () => void) => {
    started.push(name);
    if (releaseEarly) {
      release();
      release();
    }
    await gate;
  };
  const run = runLimited([task('a', true), task('b', false), task('c', false)], 1);
  await tick();
  await tick();
  assert.deepEqual(started, ['a', 'b'], 'c waits: b holds the one slot');
  open();
  await run;
  assert.deepEqual(started, ['a', 'b', 'c']);
});

test('mapLimited keeps the input order of results whatever order tasks finish in, within the limit', async () => {
  let running = 0;
  let peak = 0;
  const results = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
    peak = Math.max(peak, ++running);
    for (let i = 0; i < n; i++) await tick();
    running--;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30]);
  assert.equal(peak, 2);
});

test('mapLimited: the first failure stops the others (their signal aborts) and is thrown', async () => {
  const failure = new Error('bad item');
  let peerAborted = false;
  await assert.rejects(
    mapLimited([0, 1], 2, async (n, signal) => {
      if (n === 0) throw failure;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      peerAborted = signal.aborted;
      return n;
    }),
    (err) => err === failure,
  );
  assert.equal(peerAborted, true);
});
