import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Explanation } from '../../src/engine/index.js';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { deadHost, insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// Short names on the command line: the stderr lines Podman prints, the exit status, and
// `hoist resolve`. Every run reads only a test-written registries.conf (--registries-conf).
const one = buildImage({ layers: [{ 'etc/tag': 'cli one\n' }] });
const latest = buildImage({ layers: [{ 'etc/tag': 'cli latest\n' }] });

let sandbox: Sandbox;
let registry: RegistryHandle;
let dead: string;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  dead = await deadHost();
  await pushImage(registry, 'hoist-e2e/app', one, '1');
  await pushImage(registry, 'hoist-e2e/app', latest, 'latest');
});
after(async () => {
  await registry?.stop();
  await sandbox?.remove();
});

const search = (hosts: string[], mode?: string) =>
  `unqualified-search-registries = [${hosts.map((h) => JSON.stringify(h)).join(', ')}]\n${mode ? `short-name-mode = "${mode}"\n` : ''}`;

function hoist(command: 'pull' | 'resolve', conf: string, args: string[], aliasCache = sandbox.aliasCache()): Promise<RunResult> {
  const extra = command === 'pull' ? ['--retry', '0'] : [];
  return runHoist(['--root', sandbox.root(), command, '--registries-conf', conf, '--alias-cache', aliasCache, ...extra, ...args], { env: sandbox.cliEnv });
}

function assertFails(result: RunResult, firstLine: string): string[] {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  const at = lines.indexOf(`Error: ${firstLine}`);
  assert.ok(at >= 0, result.stderr);
  return lines.slice(at);
}

describe('hoist pull SHORT-NAME', () => {
  test('searches the registries in order: a dead first one, then the one that has it', async () => {
    const conf = await sandbox.conf('search.conf', search([dead, registry.host]) + insecure(dead, registry.host));
    const result = await hoist('pull', conf, ['hoist-e2e/app:1']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${one.id}\n`);
    const lines = result.stderr.split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      `Resolving "hoist-e2e/app" using unqualified-search registries (${conf})`,
      `Trying to pull ${dead}/hoist-e2e/app:1...`,
      `Trying to pull ${registry.host}/hoist-e2e/app:1...`,
    ]);
    assert.ok(lines.includes('Writing manifest to image destination'), result.stderr);
  });

  test('enforcing without a terminal fails with exit 125 and tries nothing', async () => {
    const conf = await sandbox.conf('enforcing.conf', search([dead, registry.host], 'enforcing') + insecure(dead, registry.host));
    const result = await hoist('pull', conf, ['hoist-e2e/app:1']);
    assertFails(result, 'short-name resolution enforced but cannot prompt without a TTY');
    assert.doesNotMatch(result.stderr, /Trying to pull/);
  });

  test('an alias: "Resolved ... as an alias (FILE)", with the tag given', async () => {
    const conf = await sandbox.conf('alias.conf', `[aliases]\n"hoist-alias" = "${registry.host}/hoist-e2e/app"\n\n${insecure(registry.host)}`);
    const result = await hoist('pull', conf, ['hoist-alias:1']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${one.id}\n`);
    assert.deepEqual(result.stderr.split('\n').slice(0, 2), [
      `Resolved "hoist-alias" as an alias (${conf})`,
      `Trying to pull ${registry.host}/hoist-e2e/app:1...`,
    ]);
  });

  test('every candidate failing: "N errors occurred while pulling:" and one " * " line each', async () => {
    const conf = await sandbox.conf('all-fail.conf', search([dead, registry.host]) + insecure(dead, registry.host));
    const lines = assertFails(await hoist('pull', conf, ['hoist-e2e/nope:1']), '2 errors occurred while pulling:');
    assert.ok(lines[1]!.startsWith(' * ') && lines[1]!.includes(dead), lines[1]);
    assert.ok(lines[2]!.startsWith(' * ') && lines[2]!.includes(`${registry.host}/hoist-e2e/nope`), lines[2]);
  });

  test('a blocked registry: "registry PREFIX is blocked in FILE", exit 125', async () => {
    const conf = await sandbox.conf('blocked.conf', `[[registry]]\nlocation = "${registry.host}"\nblocked = true\n`);
    assertFails(await hoist('pull', conf, [`${registry.host}/hoist-e2e/app:1`]), `registry ${registry.host} is blocked in ${conf}`);
  });
});

describe('hoist resolve', () => {
  let conf: string;
  before(async () => {
    conf = await sandbox.conf(
      'resolve.conf',
      `${search([registry.host, 'blocked.example'], 'enforcing')}
[aliases]
"hoist-alias" = "${registry.host}/hoist-e2e/app"

[[registry]]
location = "${registry.host}"
insecure = true

[[registry.mirror]]
location = "mirror.example/cache"

[[registry]]
location = "blocked.example"
blocked = true
`,
    );
  });

  test('--format json: candidates in order with origins and files, the mode, sources and blocked', async () => {
    const result = await hoist('resolve', conf, ['--format', 'json', 'hoist-e2e/app:1']);
    assert.equal(result.status, 0, result.stderr);
    const e = JSON.parse(result.stdout) as Explanation;
    assert.equal(e.input, 'hoist-e2e/app:1');
    assert.equal(e.shortName, true);
    assert.equal(e.mode, 'enforcing');
    assert.equal(e.modeFile, conf);
    assert.equal(e.behaviour, 'prompt-or-fail');
    assert.equal(e.files[0], conf);
    assert.deepEqual(e.candidates, [
      {
        reference: `${registry.host}/hoist-e2e/app:1`,
        origin: 'search',
        file: conf,
        registry: { prefix: registry.host, file: conf },
        sources: [
          { reference: 'mirror.example/cache/hoist-e2e/app:1', insecure: false, mirror: true },
          { reference: `${registry.host}/hoist-e2e/app:1`, insecure: true, mirror: false },
        ],
      },
      {
        reference: 'blocked.example/hoist-e2e/app:1',
        origin: 'search',
        file: conf,
        registry: { prefix: 'blocked.example', file: conf },
        blocked: `registry blocked.example is blocked in ${conf}`,
        sources: [],
      },
    ]);

    const alias = JSON.parse((await hoist('resolve', conf, ['--format', 'json', 'hoist-alias'])).stdout) as Explanation;
    assert.equal(alias.description, `Resolved "hoist-alias" as an alias (${conf})`);
    assert.deepEqual(
      alias.candidates.map((c) => [c.reference, c.origin, c.file]),
      [[`${registry.host}/hoist-e2e/app:latest`, 'alias', conf]],
    );
    assert.equal(alias.behaviour, 'single');
  });

  test('text: the same, for people', async () => {
    const result = await hoist('resolve', conf, ['hoist-e2e/app:1']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `hoist-e2e/app:1: a short name; short-name-mode enforcing (${conf})`);
    assert.equal(lines[1], `Resolving "hoist-e2e/app" using unqualified-search registries (${conf})`);
    assert.equal(lines[2], 'Candidates, in order:');
    assert.deepEqual(lines.slice(3, 12), [
      `  1. ${registry.host}/hoist-e2e/app:1`,
      `     from: unqualified-search registry (${conf})`,
      `     registry table: prefix "${registry.host}" (${conf})`,
      '     mirror : mirror.example/cache/hoist-e2e/app:1',
      `     primary: ${registry.host}/hoist-e2e/app:1 (insecure: plain HTTP allowed, TLS not verified)`,
      '  2. blocked.example/hoist-e2e/app:1',
      `     from: unqualified-search registry (${conf})`,
      `     registry table: prefix "blocked.example" (${conf})`,
      `     BLOCKED: registry blocked.example is blocked in ${conf}`,
    ]);
    assert.match(lines[12]!, /without one it fails \(enforcing\)/);
    assert.ok(lines[13]!.startsWith(`Configuration read: ${conf}`), lines[13]);
  });

  test('resolves nothing over the network and reads no store', async () => {
    const result = await runHoist(
      ['--root', '/nonexistent/hoist-root', 'resolve', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), `${dead}/x/y`],
      { env: sandbox.cliEnv },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /a fully qualified name/);
  });
});
