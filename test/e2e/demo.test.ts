import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { repoRoot, run } from '../helpers/cli.js';

// README's first command on a fresh machine is `npm ci && npm run demo`: it must work offline and
// show the engine decide (a copy, a copy that skips stored blobs, a short name resolved, a
// `--policy missing` pull answered by the store).
test('npm run demo copies, skips what is stored, resolves a short name and answers --policy missing from the store', async () => {
  const result = await run(process.execPath, [`${repoRoot}/scripts/demo.mjs`], { timeoutMs: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /skipped: already exists/);
  assert.match(result.stdout, /fedora: a short name; short-name-mode /);
  const missing = result.stderr.slice(result.stderr.indexOf('pull --policy missing'));
  assert.doesNotMatch(missing, /Trying to pull/);
  assert.equal(result.stdout.trimEnd().split('\n').at(-1), await exampleImageId());
});

/** The example layout's image ID: its manifest's config digest. */
async function exampleImageId(): Promise<string> {
  const layout = `${repoRoot}/examples/hello`;
  const blob = (digest: string) => readFile(`${layout}/blobs/${digest.replace(':', '/')}`, 'utf8');
  const index = JSON.parse(await readFile(`${layout}/index.json`, 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(await blob(index.manifests[0]!.digest)) as { config: { digest: string } };
  return manifest.config.digest.slice('sha256:'.length);
}
