import assert from 'node:assert/strict';
import { writeFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../helpers/cli.js';
import type { RecordedRequest } from '../helpers/fault-proxy.js';
import { buildImage, writeOciLayout } from '../helpers/images.js';
import { withTempDir } from '../helpers/tmp.js';
import { deadTempFiles, readStoreFiles } from './check-store.js';
import { mutateJson } from './fuzz/mutate.js';
import { cleanFailureProblems, crashKind, crashSigns } from './outcomes.js';
import { trialRng } from './rng.js';
import { expectFetchedOnlyMissing } from './traffic.js';
import type { Ran } from './world.js';

// The suite's own checks, on outcomes and stores made to pass or fail them: a check that could
// not fail would let every trial "survive".

const ran = (fields: Partial<Ran>): Ran => ({
  command: 'hoist pull x',
  ms: 10,
  status: 125,
  signal: null,
  stdout: '',
  stderr: 'Error: x: image not known\n',
  ...fields,
});

test('a clean failure passes; crashes, stack traces, raw controls, hangs and extra Error lines do not', () => {
  assert.deepEqual(cleanFailureProblems(ran({})), []);
  assert.deepEqual(crashSigns(ran({ status: 0, stderr: 'Writing manifest to image destination\n' })), []);
  assert.match(crashSigns(ran({ stderr: 'Error: boom\n    at main (file:///x.js:1:1)\n' })).join(), /stack trace/);
  assert.match(crashSigns(ran({ stderr: "Error: Cannot read properties of undefined (reading 'x')\n" })).join(), /engine error/);
  assert.match(crashSigns(ran({ stderr: 'Error: ENOSPC: no space left on device, write\n' })).join(), /unwrapped/);
  assert.match(crashSigns(ran({ stderr: 'Error: bad \u001b[31mred\n' })).join(), /on stderr \(U\+001B\)/);
  assert.match(crashSigns(ran({ status: 0, stdout: 'id\u009b2J\n', stderr: '' })).join(), /on stdout \(U\+009B\)/);
  assert.match(crashSigns(ran({ status: 1 })).join(), /exit status 1/);
  assert.match(crashSigns(ran({ status: null, signal: 'SIGKILL', timedOut: true })).join(), /hang/);
  assert.match(cleanFailureProblems(ran({ stderr: 'Error: one\nError: forged\n' })).join(), /2 "Error:" lines/);
  assert.match(cleanFailureProblems(ran({ status: 0, stderr: '' })).join(), /succeeded/);
});

test('crashes, hangs and stack traces are told apart from unsafe but orderly output', () => {
  assert.equal(crashKind(ran({})), undefined);
  assert.equal(crashKind(ran({ stderr: 'Error: bad \u001b[31mred\n' })), undefined);
  assert.equal(crashKind(ran({ stderr: 'Error: ENOSPC: no space left on device, write\n' })), 'crash');
  assert.equal(crashKind(ran({ status: null, signal: 'SIGABRT' })), 'crash');
  assert.equal(crashKind(ran({ stderr: 'Error: boom\n    at main (file:///x.js:1:1)\n' })), 'stack trace');
  assert.equal(crashKind(ran({ status: null, signal: 'SIGKILL', timedOut: true })), 'hang');
});

test('the store check finds a blob that does not hash to its name, a missing layer and dead temp files', async () => {
  await withTempDir(async (root) => {
    const image = buildImage();
    await writeOciLayout(root, [{ top: image.manifest, refName: 'localhost/x:1' }], image.blobs.values());
    assert.deepEqual((await readStoreFiles(root)).problems, []);

    await writeFile(join(root, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)), 'not the layer');
    await rm(join(root, 'blobs', 'sha256', image.layers[1]!.digest.slice(7)));
    const problems = (await readStoreFiles(root)).problems.join('\n');
    assert.match(problems, new RegExp(`${image.layers[0]!.digest.slice(7)} hashes to .*, not to its name`));
    assert.match(problems, new RegExp(`lists a missing blob: layer 1 ${image.layers[1]!.digest}`));

    const gone = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await mkdir(join(root, 'tmp'));
    await writeFile(join(root, 'tmp', `blob-0123456789abcdef-${gone.stdout}-0a1b2c3d4e5f`), '');
    await writeFile(join(root, 'tmp', `inflight-${process.pid}-0a1b2c3d4e5f.json`), '{}');
    await writeFile(join(root, 'tmp', 'archive-5d2c.tar'), '');
    const dead = await deadTempFiles(root, await readStoreFiles(root));
    assert.deepEqual(dead.sort(), [`archive-5d2c.tar (carries no pid)`, `blob-0123456789abcdef-${gone.stdout}-0a1b2c3d4e5f (pid ${gone.stdout} is gone)`]);
  });
});

test('fetched only what was missing: a partial blob must be resumed, a stored one not fetched', async () => {
  const blob = { digest: `sha256:${'ab'.repeat(32)}`, size: 1000 };
  const stored = { digest: `sha256:${'cd'.repeat(32)}`, size: 50 };
  const files = { blobs: new Map([[stored.digest, 50]]), names: [], tmp: new Map([[`blob-${'ab'.repeat(8)}-4242-0a0b0c0d0e0f`, 400]]), problems: [] };
  const get = (digest: string, bytes: number, range?: string): RecordedRequest => ({
    origin: 'proxy',
    method: 'GET',
    path: `/v2/r/blobs/${digest}`,
    authorization: false,
    status: range ? 206 : 200,
    bytes,
    at: 0,
    ...(range ? { range } : {}),
  });
  assert.doesNotThrow(() => expectFetchedOnlyMissing([get(blob.digest, 600, 'bytes=400-')], files, [blob, stored]));
  assert.throws(() => expectFetchedOnlyMissing([get(blob.digest, 1000)], files, [blob, stored]), /1000 bytes served .* but 600 were missing/);
  assert.throws(
    () => expectFetchedOnlyMissing([get(blob.digest, 600, 'bytes=400-'), get(stored.digest, 50)], files, [blob, stored]),
    /50 bytes served .* but 0 were missing/,
  );
});

test('a trial meets the same randomness whenever it runs, and another trial other randomness', () => {
  const draw = (trial: number) => Array.from({ length: 5 }, () => trialRng(7, 'fuzz: names', trial).int(1e9));
  assert.deepEqual(draw(3), draw(3));
  assert.notDeepEqual(trialRng(7, 'fuzz: names', 3).bytes(16), trialRng(7, 'fuzz: names', 4).bytes(16));
  const doc = JSON.stringify({ schemaVersion: 2, layers: [{ digest: 'sha256:x', size: 1 }] });
  assert.equal(mutateJson(trialRng(7, 'fuzz: layouts', 1), doc), mutateJson(trialRng(7, 'fuzz: layouts', 1), doc));
});
