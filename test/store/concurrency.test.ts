import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deliver } from '../helpers/chunks.js';
import { buildImage, sha256 } from '../helpers/images.js';
import { withTempDir } from '../helpers/tmp.js';
import { addImageBlobs, openStore } from './fixtures.js';

/** The compiled modules a child process imports. */
const storeModule = new URL('../../src/store/index.js', import.meta.url).href;
const lockModule = new URL('../../src/store/lock.js', import.meta.url).href;
const layoutModule = new URL('../../src/store/layout.js', import.meta.url).href;

const preamble = `
import { existsSync, appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
const { Store } = await import(${JSON.stringify(storeModule)});
const { withStoreLock } = await import(${JSON.stringify(lockModule)});
const { StorePaths } = await import(${JSON.stringify(layoutModule)});
const waitFor = async (file) => { while (!existsSync(file)) await sleep(10); };
const [root, work, arg] = process.argv.slice(2);
`;

/** Each child commits its image under COUNT names, starting together with the others. */
const commitScript = `${preamble}
const { image, prefix, count } = JSON.parse(arg);
const store = await Store.open(root);
writeFileSync(join(work, 'ready-' + prefix), '');
await waitFor(join(work, 'go'));
for (let i = 0; i < count; i++) await store.commitImage(image, ['localhost/' + prefix + ':' + i]);
`;

/** Takes the store lock and hangs holding it (until killed). */
const holdLockScript = `${preamble}
await withStoreLock(new StorePaths(root), async () => {
  writeFileSync(join(work, 'locked'), '');
  await new Promise(() => setInterval(() => undefined, 1000));
});
`;

/** Downloads a blob: sends half of it, then waits for work/go before sending the rest. */
const slowWriterScript = `${preamble}
const { digest, size } = JSON.parse(arg);
const data = readFileSync(join(work, 'blob'));
const store = await Store.open(root);
const result = await store.writeBlob({ digest, size }, async (sink) => {
  appendFileSync(join(work, 'opens'), 'child\\n');
  await sink(data.subarray(0, size / 2));
  await waitFor(join(work, 'go'));
  await sink(data.subarray(size / 2));
});
process.stdout.write(result);
`;

interface Child {
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

async function startChild(work: string, script: string, args: string[]): Promise<Child> {
  const file = join(work, `script-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, script);
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<Awaited<Child['exited']>>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { process: child, exited };
}

/** Waits for `file` to exist; fails at once if `child` exits first (with its stderr). */
async function waitForFile(file: string, child: Child): Promise<void> {
  let done = false;
  const died = child.exited.then((r) => {
    if (!done) throw new Error(`child exited (${r.code ?? r.signal}) before ${file} appeared: ${r.stderr}`);
  });
  const appeared = (async () => {
    while (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      await sleep(10);
  })();
  await Promise.race([appeared, died]);
  done = true;
}

async function expectSuccess(child: Child): Promise<string> {
  const { code, signal, stderr, stdout } = await child.exited;
  assert.equal(code, 0, `child failed (${code ?? signal}): ${stderr}`);
  return stdout;
}

/** Fails (instead of hanging) when `promise` does not settle within `ms`: a bound, not a timing claim. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

test('processes committing into one store at once lose no name', () =>
  withTempDir(async (work) => {
    const store = await openStore(work);
    const count = 8;
    const images = await Promise.all(
      ['p0', 'p1', 'p2', 'p3'].map(async (prefix) => ({ prefix, image: await addImageBlobs(store, buildImage({ layers: [{ [prefix]: prefix }] })) })),
    );
    const children = await Promise.all(images.map((arg) => startChild(work, commitScript, [store.root, work, JSON.stringify({ ...arg, count })])));
    await Promise.all(images.map(({ prefix }, i) => waitForFile(join(work, `ready-${prefix}`), children[i]!)));
    await writeFile(join(work, 'go'), '');
    await Promise.all(children.map(expectSuccess));
    const names = Object.fromEntries((await store.images()).map((r) => [r.id, r.names.sort()]));
    assert.deepEqual(
      names,
      Object.fromEntries(images.map(({ prefix, image }) => [image.id, Array.from({ length: count }, (_, i) => `localhost/${prefix}:${i}`).sort()])),
    );
  }));

test('a process killed while holding the store lock does not block the next one past the stale time', () =>
  withTempDir(async (work) => {
    const store = await openStore(work);
    const image = await addImageBlobs(store, buildImage());
    const holder = await startChild(work, holdLockScript, [store.root, work, '']);
    await waitForFile(join(work, 'locked'), holder);
    holder.process.kill('SIGKILL');
    assert.equal((await holder.exited).signal, 'SIGKILL');
    assert.ok((await stat(store.paths.lock)).isDirectory(), 'the killed process left its lock behind');
    const record = await within(30_000, 'a commit after the lock holder was killed', store.commitImage(image, ['localhost/after-kill:1']));
    assert.deepEqual(record.names, ['localhost/after-kill:1']);
    assert.equal(
      await access(store.paths.lock).then(
        () => true,
        () => false,
      ),
      false,
      'the lock is released',
    );
  }));

const blob = Buffer.alloc(256 * 1024, 'layer bytes ');
const expected = { digest: sha256(blob), size: blob.length };

test('concurrent writers of the same blob download it once: the later one waits for the first', () =>
  withTempDir(async (work) => {
    const store = await openStore(work);
    await writeFile(join(work, 'blob'), blob);
    const first = await startChild(work, slowWriterScript, [store.root, work, JSON.stringify(expected)]);
    await waitForFile(join(work, 'opens'), first); // the child holds the claim and is downloading
    let opens = 0;
    let waited = 0;
    const result = await store.writeBlob(expected, (sink) => (opens++, deliver([blob])(sink)), {
      // Only once this process is waiting does the first one finish its download.
      onWait: () => void (waited++, writeFile(join(work, 'go'), '')),
    });
    assert.equal(await expectSuccess(first), 'written');
    assert.equal(result, 'exists');
    assert.equal(waited, 1);
    assert.equal(opens, 0, 'the waiting process never opened the source');
    assert.equal(await readFile(join(work, 'opens'), 'utf8'), 'child\n');
    assert.deepEqual(await readFile(store.paths.blob(expected.digest)), blob);
    assert.deepEqual(await readdir(store.paths.tmp), []);
  }));

test('the claim of a writer killed mid-download is broken and the blob downloaded again', () =>
  withTempDir(async (work) => {
    const store = await openStore(work);
    await writeFile(join(work, 'blob'), blob);
    const first = await startChild(work, slowWriterScript, [store.root, work, JSON.stringify(expected)]);
    await waitForFile(join(work, 'opens'), first);
    first.process.kill('SIGKILL');
    await first.exited;
    let opens = 0;
    const result = await within(
      30_000,
      'a write after the claim holder was killed',
      store.writeBlob(expected, (sink) => (opens++, deliver([blob])(sink))),
    );
    assert.equal(result, 'written');
    assert.equal(opens, 1);
    assert.deepEqual(await readFile(store.paths.blob(expected.digest)), blob);
    assert.ok(!(await readdir(store.paths.tmp)).some((f) => f.startsWith('claim-')), 'the dead claim is gone');
  }));

test('markInFlight waits for a garbage collection in progress (the store lock), so a collection never misses a mark', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const { withStoreLock } = await import('../../src/store/lock.js');
    let unlock!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = withStoreLock(store.paths, async () => {
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    });
    await isLocked;
    let marked = false;
    const marking = store.markInFlight([sha256('x')]).then((end) => ((marked = true), end));
    await sleep(500);
    assert.equal(marked, false, 'the mark waits while the lock is held');
    unlock();
    await holder;
    const end = await marking;
    assert.equal(marked, true);
    await end();
  }));
