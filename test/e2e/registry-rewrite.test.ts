import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { makeSandbox, type Sandbox } from '../engine/support.js';

// A [[registry]] location or mirror that rewrites a name into a non-canonical one (no registry
// host first, or a name normalization would change) is a configuration error, as in
// containers/image, never a short name quietly pulled from Docker Hub.
const DIGEST = `sha256:${'e'.repeat(64)}`;

let sandbox: Sandbox;

before(async () => {
  sandbox = await makeSandbox();
});
after(() => sandbox?.remove());

function hoist(command: 'pull' | 'resolve', conf: string, name: string): Promise<RunResult> {
  const extra = command === 'pull' ? ['--retry', '0'] : [];
  return runHoist(['--root', sandbox.root(), command, '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), ...extra, name], {
    env: sandbox.cliEnv,
  });
}

function assertNotCanonical(result: RunResult, conf: string, name: string, rewritten: string, prefix: string): void {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error:'));
  assert.deepEqual(
    errors,
    [`Error: rewriting reference "${name}" to "${rewritten}" (prefix "${prefix}" in ${conf}): repository name must be canonical`],
    result.stderr,
  );
  assert.match(result.stderr, /^Hint: a location \(or mirror location\) must give full names: a registry host/m);
  assert.doesNotMatch(result.stderr, /docker\.io|registry-1/);
}

describe('a rewrite to a non-canonical name fails before any request', () => {
  test('hoist resolve: location "example.com" for prefix "example.com/foo"', async () => {
    const conf = await sandbox.conf('path-lost.conf', '[[registry]]\nprefix = "example.com/foo"\nlocation = "example.com"\n');
    const name = `example.com/foo@${DIGEST}`;
    assertNotCanonical(await hoist('resolve', conf, name), conf, name, `example.com@${DIGEST}`, 'example.com/foo');
  });

  test('hoist pull: location "internal.example.com" for prefix "quay.io/myorg/app"', async () => {
    const conf = await sandbox.conf('repo-lost.conf', '[[registry]]\nprefix = "quay.io/myorg/app"\nlocation = "internal.example.com"\n');
    assertNotCanonical(await hoist('pull', conf, 'quay.io/myorg/app'), conf, 'quay.io/myorg/app:latest', 'internal.example.com:latest', 'quay.io/myorg/app');
  });

  test('hoist pull and resolve: a mirror with the same fault', async () => {
    const conf = await sandbox.conf('mirror.conf', '[[registry]]\nlocation = "quay.io/myorg/app"\n[[registry.mirror]]\nlocation = "mirror.example.com"\n');
    const name = `quay.io/myorg/app@${DIGEST}`;
    for (const command of ['resolve', 'pull'] as const) {
      assertNotCanonical(await hoist(command, conf, name), conf, name, `mirror.example.com@${DIGEST}`, 'quay.io/myorg/app');
    }
  });
});
