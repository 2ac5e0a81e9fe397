import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BUNDLE_FILE, CODE_CACHE_FILE } from '../../src/cli/cli-bundle.js';
import { cliPath, repoRoot, run } from '../helpers/cli.js';

// The bin compiles the CLI bundle with the V8 code cache the build made (src/cli/cli-bundle.ts).
// V8 checks a cache against the source's length only: a cache taken for a bundle that changed
// would run the old bundle's bytecode. These tests run copies of the bin whose bundle or cache
// differ from what the build made.

const binDir = dirname(cliPath);
const loader = pathToFileURL(join(repoRoot, 'dist', 'cli', 'cli-bundle.js')).href;
let work: string;
before(async () => {
  // Inside the checkout, so that the copies find conf/ and package.json as the bin does.
  work = await mkdtemp(join(repoRoot, '.test-build', 'code-cache-'));
});
after(async () => rm(work, { recursive: true, force: true }));

let copies = 0;
/** A copy of dist/bin/, changed by `change`. */
async function binCopy(change: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(work, `bin-${++copies}`);
  await cp(binDir, dir, { recursive: true });
  await change(dir);
  return dir;
}

/** What loadCli says of `dir`, from a process of its own (the bundle's top level runs there, not here). */
async function cacheUsed(dir: string): Promise<boolean> {
  const script = `const { loadCli } = await import(${JSON.stringify(loader)}); process.stdout.write(String(loadCli(${JSON.stringify(dir)}).cacheUsed));`;
  const result = await run(process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout === 'true';
}

const version = (dir: string) => run(process.execPath, [join(dir, 'hoist.mjs'), '--version']);

describe('the CLI code cache', () => {
  test('the bin as built takes the cache the build made', async () => {
    assert.equal(await cacheUsed(binDir), true);
  });

  test('a bundle changed after the cache was made runs as it now is, not from the stale cache', async () => {
    // Same length, one letter different: V8 alone would take the old bytecode and print "version".
    const dir = await binCopy(async (d) => {
      const bundle = await readFile(join(d, BUNDLE_FILE), 'latin1');
      assert.ok(bundle.includes('hoist version '));
      await writeFile(join(d, BUNDLE_FILE), bundle.replace('hoist version ', 'hoist versioN '), 'latin1');
    });
    const result = await version(dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^hoist versioN \d/);
    assert.equal(await cacheUsed(dir), false);
  });

  test('a missing or damaged cache only costs the compile: the CLI runs the same', async () => {
    const missing = await binCopy((d) => rm(join(d, CODE_CACHE_FILE)));
    const damaged = await binCopy(async (d) => {
      const cache = await readFile(join(d, CODE_CACHE_FILE));
      // The header kept, V8's data garbled (which crashed node before the header covered the data).
      cache.fill(0x5a, 32 + 64, 32 + 4096);
      await writeFile(join(d, CODE_CACHE_FILE), cache);
    });
    const expected = (await version(binDir)).stdout;
    for (const dir of [missing, damaged]) {
      const result = await version(dir);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, expected);
      assert.equal(await cacheUsed(dir), false);
    }
  });

  test('a bin whose bundle is missing fails with one Error: line and status 125, no stack trace', async () => {
    const dir = await binCopy((d) => rm(join(d, BUNDLE_FILE)));
    const result = await version(dir);
    assert.equal(result.status, 125);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^Error: hoist's CLI in .* cannot be loaded: ENOENT/);
    assert.match(lines[1]!, /^Hint: reinstall hoist/);
    assert.equal(lines.length, 2, result.stderr);
  });
});
