import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runHoist, runSkopeo, type RunResult } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// `hoist pull` from a real registry, as a script sees it: stdout, stderr, exit status, and what
// peers (skopeo) read from the registry and from the store.
const app = buildImage({ layers: [{ 'etc/app': 'e2e app\n' }, { 'usr/lib/app': 'library\n' }] });
const tagged = ['a', 'b', 'c'].map((tag) => ({ tag, image: buildImage({ layers: [{ 'etc/tag': `tag ${tag}\n` }] }) }));

let sandbox: Sandbox;
let registry: RegistryHandle;
let proxy: FaultProxy;
/** Marks the proxy (and only it) insecure; the registry itself is reached with --tls-verify=false. */
let conf: string;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  proxy = await startFaultProxy(registry);
  await pushImage(registry, 'e2e/app', app, '1');
  for (const { tag, image } of tagged) await pushImage(registry, 'e2e/tags', image, tag);
  conf = await sandbox.conf('registries.conf', insecure(proxy.host));
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  await sandbox?.remove();
});

function hoist(root: string, args: string[]): Promise<RunResult> {
  const pullFlags = args[0] === 'pull' ? ['--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0'] : [];
  return runHoist(['--root', root, args[0]!, ...pullFlags, ...args.slice(1)], { env: sandbox.cliEnv });
}

/** The proxy's request log (a function, so that an assertion on it does not narrow its type). */
const seen = () => proxy.requests;

function assertOk(result: RunResult): void {
  assert.equal(result.status, 0, `hoist failed: ${result.stderr}`);
}

function assertFails(result: RunResult, message: string): void {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n')[0], `Error: ${message}`);
}

describe('hoist pull from a registry', () => {
  test('prints the image ID skopeo implies, and the stored image is readable by skopeo', async () => {
    const root = sandbox.root();
    const name = `${registry.host}/e2e/app:1`;
    const config = await runSkopeo(['inspect', '--tls-verify=false', '--raw', '--config', `docker://${name}`]);
    const skopeoId = createHash('sha256').update(config.stdout).digest('hex');

    const result = await hoist(root, ['pull', '--tls-verify=false', name]);
    assertOk(result);
    assert.equal(result.stdout, `${skopeoId}\n`);
    assert.equal(skopeoId, app.id);

    const stored = JSON.parse((await runSkopeo(['inspect', `oci:${root}:${name}`])).stdout) as { Digest: string; Layers: string[] };
    assert.equal(stored.Digest, app.manifest.digest);
    assert.deepEqual(
      stored.Layers,
      app.layers.map((l) => l.digest),
    );
  });

  test("progress goes to stderr in Podman's words when stderr is not a terminal; --quiet silences it", async () => {
    const root = sandbox.root();
    const name = `${proxy.host}/e2e/app:1`;
    const result = await hoist(root, ['pull', name]);
    assertOk(result);
    assert.equal(result.stdout, `${app.id}\n`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], `Trying to pull ${name}...`);
    assert.equal(lines[1], 'Getting image source signatures');
    assert.deepEqual(lines.slice(2, -2).sort(), [`Copying config ${app.config.digest}`, ...app.layers.map((l) => `Copying blob ${l.digest}`)].sort());
    assert.equal(lines.at(-2), 'Writing manifest to image destination');
    // Then hoist's one summary line (issue 13: a pull says what it fetched); Podman has none.
    assert.match(lines.at(-1)!, new RegExp(`^Pulled ${name.replace(/\./g, '\\.')} \\(${app.id.slice(0, 12)}\\): \\S+ fetched, in [\\d.]+ s$`));

    const again = await hoist(root, ['pull', name]);
    assertOk(again);
    for (const layer of app.layers) assert.ok(again.stderr.includes(`Copying blob ${layer.digest} skipped: already exists\n`), again.stderr);

    const quiet = await hoist(sandbox.root(), ['pull', '--quiet', name]);
    assertOk(quiet);
    assert.equal(quiet.stdout, `${app.id}\n`);
    assert.equal(quiet.stderr, '');
  });
});

describe('--all-tags', () => {
  test('pulls every tag of the repository and prints one ID per tag', async () => {
    const root = sandbox.root();
    const result = await hoist(root, ['pull', '--all-tags', `${proxy.host}/e2e/tags`]);
    assertOk(result);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), tagged.map((t) => t.image.id).sort());
    const trying = result.stderr.split('\n').filter((l) => l.startsWith('Trying to pull '));
    assert.deepEqual(
      trying.sort(),
      tagged.map((t) => `Trying to pull ${proxy.host}/e2e/tags:${t.tag}...`),
    );
    const listing = await hoist(root, ['images', '--format', 'json']);
    assertOk(listing);
    const names = (JSON.parse(listing.stdout) as { Names: string[] }[]).flatMap((i) => i.Names).sort();
    assert.deepEqual(
      names,
      tagged.map((t) => `${proxy.host}/e2e/tags:${t.tag}`),
    );
  });

  test('is refused with a tag, and for non-registry transports', async () => {
    const root = sandbox.root();
    assertFails(await hoist(root, ['pull', '--all-tags', `${proxy.host}/e2e/tags:a`]), `tag or digest can't be used with --all-tags: ${proxy.host}/e2e/tags:a`);
    assertFails(await hoist(root, ['pull', '--all-tags', `oci:${sandbox.dir}/no-layout:x`]), '--all-tags applies to registry images only, not oci: transport');
  });
});

describe('--policy on the command line', () => {
  test("Podman's spellings: IfNotPresent makes no request, newer only a HEAD; both print the local ID", async () => {
    const root = sandbox.root();
    const name = `${proxy.host}/e2e/app:1`;
    assertOk(await hoist(root, ['pull', '--quiet', name]));
    proxy.requests.length = 0;
    const present = await hoist(root, ['pull', '--policy', 'IfNotPresent', name]);
    assertOk(present);
    assert.equal(present.stdout, `${app.id}\n`);
    assert.equal(present.stderr, '');
    assert.deepEqual(proxy.requests, []);

    const newer = await hoist(root, ['pull', '--policy=IfNewer', name]);
    assertOk(newer);
    assert.equal(newer.stdout, `${app.id}\n`);
    assert.deepEqual(
      seen()
        .filter((r) => r.path !== '/v2/')
        .map((r) => `${r.method} ${r.path}`),
      ['HEAD /v2/e2e/app/manifests/1'],
    );
    assert.equal(newer.stderr, '', 'up to date: nothing to report, as Podman');
  });

  test('never: an absent image is "image not known", exit 125, no request', async () => {
    proxy.requests.length = 0;
    assertFails(await hoist(sandbox.root(), ['pull', '--policy', 'never', `${proxy.host}/e2e/app:1`]), `${proxy.host}/e2e/app:1: image not known`);
    assert.deepEqual(proxy.requests, []);
  });

  test('an unknown policy is an error naming it, exit 125, before anything is done', async () => {
    proxy.requests.length = 0;
    const root = sandbox.root();
    assertFails(await hoist(root, ['pull', '--policy', 'sometimes', `${proxy.host}/e2e/app:1`]), 'unsupported pull policy "sometimes"');
    assert.deepEqual(proxy.requests, []);
    assert.equal(existsSync(root), false, 'no store was created');
  });
});
