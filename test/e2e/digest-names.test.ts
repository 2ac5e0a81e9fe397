import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { dockerArchive } from '../helpers/archives.js';
import { buildImage, writeOciLayout } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { storeSnapshot } from '../helpers/tmp.js';
import { deadHost, insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// A digest name (`repo@sha256:D`) must only ever point at the manifest D: hoist never gives one
// to an image by `tag` or by an archive's or layout's own names, and a pull that finds one on
// other content (a store written before this was refused) treats the image as not stored.
const first = buildImage({ layers: [{ 'etc/which': 'first\n' }] });
const second = buildImage({ layers: [{ 'etc/which': 'second\n' }] });
const HEX = createHash('sha256').update('reads as an ID').digest('hex');

let sandbox: Sandbox;
let registry: RegistryHandle;
let conf: string;
let repo: string;
let secondByDigest: string;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  await pushImage(registry, 'names/app', first, 'first');
  await pushImage(registry, 'names/app', second, 'second');
  conf = await sandbox.conf('registries.conf', insecure(registry.host));
  repo = `${registry.host}/names/app`;
  secondByDigest = `${repo}@${second.manifest.digest}`;
});
after(async () => {
  await registry?.stop();
  await sandbox?.remove();
});

function hoist(root: string, args: string[]): Promise<RunResult> {
  const pullFlags = args[0] === 'pull' ? ['--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0'] : [];
  return runHoist(['--root', root, args[0]!, ...pullFlags, ...args.slice(1)], { env: sandbox.cliEnv });
}

function assertFails(result: RunResult, message: string): void {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n')[0], `Error: ${message}`, result.stderr);
}

/** A store holding `first` under its tag. */
async function storeWithFirst(): Promise<string> {
  const root = sandbox.root();
  const pulled = await hoist(root, ['pull', '-q', `${repo}:first`]);
  assert.equal(pulled.stdout, `${first.id}\n`, pulled.stderr);
  return root;
}

/** As a store written before digest names were refused: `first` also named `name`. */
async function addStaleName(root: string, name: string): Promise<void> {
  const file = join(root, 'index.json');
  const index = JSON.parse(await readFile(file, 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
  const stale = structuredClone(index.manifests[0]!);
  stale.annotations['org.opencontainers.image.ref.name'] = name;
  stale.annotations['io.containerd.image.name'] = name;
  index.manifests.push(stale);
  await writeFile(file, JSON.stringify(index));
}

describe('names that could claim other content are refused', () => {
  test('hoist tag refuses a digest name, so a digest pull then finds the right image', async () => {
    const root = await storeWithFirst();
    const before = await storeSnapshot(root);
    assertFails(await hoist(root, ['tag', first.id, secondByDigest]), `invalid reference "${secondByDigest}": tag by digest not supported`);
    assertFails(
      await hoist(root, ['tag', first.id, `other:1@${second.manifest.digest}`]),
      `invalid reference "other:1@${second.manifest.digest}": tag by digest not supported`,
    );
    assert.deepEqual(await storeSnapshot(root), before);
    assertFails(await hoist(root, ['pull', '--policy', 'never', secondByDigest]), `${secondByDigest}: image not known`);
    const pulled = await hoist(root, ['pull', '-q', '--policy', 'missing', secondByDigest]);
    assert.equal(pulled.stdout, `${second.id}\n`, pulled.stderr);
  });

  test('hoist tag refuses names that read as image IDs', async () => {
    const root = await storeWithFirst();
    const before = await storeSnapshot(root);
    const reason = 'a digest algorithm cannot be a repository name: sha256:… reads as an image ID';
    assertFails(await hoist(root, ['tag', first.id, `sha256:${second.id}`]), `invalid reference "sha256:${second.id}": ${reason}`);
    assertFails(await hoist(root, ['tag', first.id, HEX]), `invalid reference "${HEX}": cannot specify 64-byte hexadecimal strings`);
    assertFails(await hoist(root, ['tag', first.id, `${HEX}:v1`]), `invalid reference "${HEX}:v1": cannot specify 64-byte hexadecimal strings`);
    assertFails(
      await hoist(root, ['tag', first.id, 'localhost:65536/app']),
      'invalid reference "localhost:65536/app": invalid port in domain "localhost:65536": 65536 is above 65535',
    );
    assert.deepEqual(await storeSnapshot(root), before);
  });

  test('a pull names no registry whose port cannot exist', async () => {
    assertFails(
      await hoist(sandbox.root(), ['pull', '127.0.0.1:99999/names/app:first']),
      'invalid reference "127.0.0.1:99999/names/app:first": invalid port in domain "127.0.0.1:99999": 99999 is above 65535',
    );
  });

  test('a docker-archive whose RepoTags holds a digest name is refused, and nothing is stored', async () => {
    const archive = join(sandbox.dir, 'digest-tag.tar');
    await writeFile(archive, dockerArchive([{ image: first, repoTags: ['ok:1', `x@${second.manifest.digest}`] }]));
    const root = sandbox.root();
    assertFails(
      await hoist(root, ['pull', `docker-archive:${archive}`]),
      `docker-archive:${archive}: invalid tag "x@${second.manifest.digest}" in manifest.json item @0: invalid reference "x@${second.manifest.digest}": tag by digest not supported`,
    );
    assert.deepEqual((await storeSnapshot(root)).blobs, []);
  });

  test("an OCI layout's digest ref name does not name the image", async () => {
    const layout = join(sandbox.dir, 'digest-ref');
    const name = `x@${second.manifest.digest}`;
    await writeOciLayout(layout, [{ top: first.manifest, refName: name }], first.blobs.values());
    const root = sandbox.root();
    assertFails(await hoist(root, ['pull', `oci:${layout}:${name}`]), `invalid reference "${name}": tag by digest not supported`);
    assert.deepEqual((await storeSnapshot(root)).blobs, []);
  });
});

describe('a stored digest name on other content counts as not stored', () => {
  test('--policy never: not known; --policy missing: pulls the image the digest names', async () => {
    const root = await storeWithFirst();
    await addStaleName(root, secondByDigest);
    assertFails(await hoist(root, ['pull', '--policy', 'never', secondByDigest]), `${secondByDigest}: image not known`);
    const pulled = await hoist(root, ['pull', '-q', '--policy', 'missing', secondByDigest]);
    assert.equal(pulled.stdout, `${second.id}\n`, pulled.stderr);
    // The name moved to the image it names.
    const [info] = JSON.parse((await hoist(root, ['inspect', secondByDigest])).stdout) as { Id: string }[];
    assert.equal(info!.Id, second.id);
  });

  test('--policy newer with the registry down: an error, not the stale image with a warning', async () => {
    const root = await storeWithFirst();
    const dead = await deadHost();
    const name = `${dead}/names/app@${second.manifest.digest}`;
    await addStaleName(root, name);
    const result = await runHoist(
      [
        '--root',
        root,
        'pull',
        '--registries-conf',
        await sandbox.conf('dead.conf', insecure(registry.host, dead)),
        '--alias-cache',
        sandbox.aliasCache(),
        '--retry',
        '0',
        '--policy',
        'newer',
        name,
      ],
      { env: sandbox.cliEnv },
    );
    assert.equal(result.status, 125, result.stderr);
    assert.equal(result.stdout, '');
    assert.doesNotMatch(result.stderr, /Warning: cannot check/);
  });

  test('a digest name that does name the stored manifest is found, with no registry asked', async () => {
    const root = await storeWithFirst();
    const dead = await deadHost();
    const name = `${dead}/names/app@${first.manifest.digest}`;
    await addStaleName(root, name);
    const result = await hoist(root, ['pull', '-q', '--policy', 'never', name]);
    assert.equal(result.stdout, `${first.id}\n`, result.stderr);
  });
});
