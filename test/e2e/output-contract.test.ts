import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { pull } from '../../src/index.js';
import { cliPath, run, runHoist } from '../helpers/cli.js';
import { buildImage, writeOciLayout } from '../helpers/images.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

// One output contract (issue 13, item 6): JSON lines stay JSON to the end, a pull ends with a
// summary per image, and an abort is always ABORTED.

const image = buildImage({ layers: [{ 'etc/a': 'output contract one\n' }, { 'etc/b': 'output contract two\n' }] });
const blobBytes = image.config.size + image.layers.reduce((n, l) => n + l.size, 0);

let work: string;
let layout: string;
let stores = 0;
const newRoot = () => join(work, `store-${stores++}`);

before(async () => {
  work = await makeTempDir();
  layout = join(work, 'app');
  await writeOciLayout(layout, [{ top: image.manifest, refName: '1.0' }], [...image.blobs.values()]);
});
after(() => removeDir(work));

const jsonLines = (stderr: string) =>
  stderr
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('--progress json', () => {
  test('every stderr line is JSON, and the pull ends with a pull-done event: what was fetched, what was stored already', async () => {
    const root = newRoot();
    const first = await runHoist(['--root', root, 'pull', '--progress', 'json', `oci:${layout}:1.0`]);
    assert.equal(first.status, 0, first.stderr);
    const events = jsonLines(first.stderr);
    const done = events.at(-1)!;
    assert.equal(done.type, 'pull-done');
    assert.equal(done.id, image.id);
    assert.equal(done.copied, true);
    assert.equal(done.fetchedBytes, blobBytes);
    assert.equal(done.skippedBytes, 0);
    assert.equal(typeof done.seconds, 'number');
    const again = jsonLines((await runHoist(['--root', root, 'pull', '--progress', 'json', `oci:${layout}:1.0`])).stderr).at(-1)!;
    assert.deepEqual([again.fetchedBytes, again.skippedBytes], [0, blobBytes]);
  });

  test('an error is one more JSON line with its code, message, hint and details, not an Error: text line', async () => {
    const result = await runHoist(['--root', newRoot(), 'pull', '--progress', 'json', `oci:${join(work, 'nowhere')}`]);
    assert.equal(result.status, 125);
    const events = jsonLines(result.stderr);
    const error = events.at(-1)!;
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'SOURCE_NOT_FOUND');
    assert.match(String(error.message), /nowhere/);
    assert.doesNotMatch(result.stderr, /^Error: /m);
  });

  test('a registry error carries its details in the JSON line', async () => {
    const result = await runHoist(['--root', newRoot(), 'pull', '--progress', 'json', '--retry', '0', 'docker://127.0.0.1:1/none:1']);
    assert.equal(result.status, 125);
    const error = jsonLines(result.stderr).at(-1)!;
    assert.equal(error.code, 'CONNECTION_FAILED');
    assert.deepEqual(error.details, { registry: '127.0.0.1:1', url: 'https://127.0.0.1:1/v2/' });
  });
});

describe('plain output', () => {
  test('a copied image ends with one summary line; --quiet has none; a present image has none', async () => {
    const root = newRoot();
    const plain = await runHoist(['--root', root, 'pull', '--progress', 'plain', `oci:${layout}:1.0`]);
    assert.equal(plain.status, 0, plain.stderr);
    const last = plain.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, new RegExp(`^Pulled localhost/app:1\\.0 \\(${image.id.slice(0, 12)}\\): [\\d.]+K?i?B fetched, in [\\d.]+ s$`));
    const quiet = await runHoist(['--root', newRoot(), 'pull', '--quiet', `oci:${layout}:1.0`]);
    assert.equal(quiet.stderr, '');
  });
});

describe('the TTY display in a real pseudo-terminal', () => {
  for (const columns of [60, 120]) {
    test(`at ${columns} columns every line fits and the sizes stay on it`, async () => {
      const root = newRoot();
      const command = `stty cols ${columns} rows 40; ${process.execPath} ${cliPath} --root ${root} pull --progress tty oci:${layout}:1.0`;
      const result = await run('script', ['-qfec', command, '/dev/null'], { timeoutMs: 30_000 });
      assert.equal(result.status, 0, result.stdout);
      // What the terminal shows: the last frame of each line, escapes removed.
      const lines = result.stdout
        .replace(/\r\x1b\[\d+A\x1b\[0J/g, '\n')
        .replace(/\r/g, '')
        .split('\n')
        .filter((l) => l.startsWith('Copying '));
      assert.ok(lines.length > 0, JSON.stringify(result.stdout));
      for (const line of lines) {
        assert.ok(line.length < columns, `${line.length} ≥ ${columns}: ${line}`);
        if (!line.endsWith('skipped: already exists')) assert.match(line, /B \/ [\d.]+K?i?B \| (done|[\d.]+[KMG]?i?B\/s)$/, line);
      }
    });
  }
});

describe('the library', () => {
  test('an abort before the pull and an abort during it both reject with HoistError ABORTED, the reason as cause', async () => {
    const early = new AbortController();
    const reason = new Error('stop now');
    early.abort(reason);
    const before = await pull(`oci:${layout}:1.0`, { root: newRoot(), signal: early.signal }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isHoistError(before, 'ABORTED'), String(before));
    assert.equal(before.cause, reason);

    const during = new AbortController();
    const midway = await pull(`oci:${layout}:1.0`, {
      root: newRoot(),
      signal: during.signal,
      onEvent: (e) => {
        if (e.type === 'blob-start') during.abort();
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isHoistError(midway, 'ABORTED'), String(midway));
    assert.ok(midway.cause instanceof DOMException && midway.cause.name === 'AbortError', String(midway.cause));
  });
});
