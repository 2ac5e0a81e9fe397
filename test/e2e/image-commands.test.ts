import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { storeSnapshot } from '../helpers/tmp.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// Issue 13, items 1 and 3: every command finds an image the way a pull names it (registries.conf
// aliases, localhost/, the search registries, docker.io, IDs, libimage's repo-tags match), under
// Podman's command forms and exit statuses.
const tiny = buildImage({ layers: [{ 'etc/tiny': 'tiny\n' }] });
const aliased = buildImage({ layers: [{ 'etc/which': 'alias target\n' }] });
const local = buildImage({ layers: [{ 'etc/which': 'localhost\n' }] });
const keep = buildImage({ layers: [{ 'etc/keep': 'keep\n' }] });

let sandbox: Sandbox;
let registry: RegistryHandle;
let conf: string;
let host: string;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  host = registry.host;
  await pushImage(registry, 'test/tiny', tiny, 'latest');
  await pushImage(registry, 'org/app', tiny, '1');
  await pushImage(registry, 'repo/image', aliased, 'latest');
  await pushImage(registry, 'other/local', local, 'latest');
  await pushImage(registry, 'other/keep', keep, '1');
  conf = await sandbox.conf(
    'registries.conf',
    `unqualified-search-registries = ["${host}"]\nshort-name-mode = "permissive"\n\n[aliases]\n"repo/image" = "${host}/repo/image"\n\n${insecure(host)}`,
  );
});
after(async () => {
  await registry?.stop();
  await sandbox?.remove();
});

/** `hoist --root ROOT COMMAND…` with this sandbox's registries.conf and alias cache. */
function hoist(root: string, args: string[]): Promise<RunResult> {
  const image = args[0] === 'image' ? 2 : 1;
  const lookup = ['images', 'ls', 'list', 'prune'].includes(args[image - 1]!) ? [] : ['--registries-conf', conf, '--alias-cache', sandbox.aliasCache()];
  const pull = args[image - 1] === 'pull' ? ['--retry', '0', '-q'] : [];
  return runHoist(['--root', root, ...args.slice(0, image), ...lookup, ...pull, ...args.slice(image)], { env: sandbox.cliEnv });
}

async function ok(root: string, args: string[]): Promise<string> {
  const result = await hoist(root, args);
  assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function ids(root: string): Promise<string[]> {
  return (JSON.parse(await ok(root, ['images', '--all', '--format', 'json'])) as { Id: string }[]).map((i) => i.Id).sort();
}

async function pulled(root: string, ...names: string[]): Promise<void> {
  await ok(root, ['pull', ...names]);
}

describe('one local lookup for every command', () => {
  test('pull test/tiny, then inspect, tag, image exists, rmi and pull --policy never find it by the same short name', async () => {
    const root = sandbox.root();
    await pulled(root, 'test/tiny');
    const [info] = JSON.parse(await ok(root, ['inspect', 'test/tiny'])) as { Id: string; RepoTags: string[] }[];
    assert.equal(info!.Id, tiny.id);
    assert.deepEqual(info!.RepoTags, [`${host}/test/tiny:latest`]);
    assert.equal(await ok(root, ['image', 'exists', 'test/tiny']), '');
    assert.equal(await ok(root, ['pull', '--policy', 'never', 'test/tiny']), `${tiny.id}\n`);
    await ok(root, ['tag', 'test/tiny', 'mine:1']);
    assert.equal((JSON.parse(await ok(root, ['image', 'inspect', 'mine:1'])) as { Id: string }[])[0]!.Id, tiny.id);
    assert.equal(await ok(root, ['rmi', 'test/tiny']), `Untagged: ${host}/test/tiny:latest\n`);
    assert.equal((await hoist(root, ['image', 'exists', 'test/tiny'])).status, 1);
  });

  test('org/app:1 and app:1 find HOST/org/app:1 (search registry; libimage repo-tags match)', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/org/app:1`);
    for (const name of ['org/app:1', 'app:1']) {
      assert.equal((JSON.parse(await ok(root, ['inspect', name])) as { Id: string }[])[0]!.Id, tiny.id, name);
      assert.equal(await ok(root, ['image', 'exists', name]), '', name);
    }
    // Without registries.conf at all, the repo-tags match still finds it by the end of its name.
    const bare = await runHoist(['--root', root, 'inspect', 'app:1'], { env: sandbox.cliEnv });
    assert.equal(bare.status, 0, bare.stderr);
    assert.equal((await hoist(root, ['image', 'exists', 'app:2'])).status, 1);
  });

  test('with an alias target and localhost/ both stored, the alias wins, for pull --policy never and inspect alike', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/repo/image`, `${host}/other/local`);
    await ok(root, ['tag', `${host}/other/local`, 'localhost/repo/image']);
    assert.equal(await ok(root, ['pull', '--policy', 'never', 'repo/image']), `${aliased.id}\n`);
    assert.equal(await ok(root, ['pull', '--policy', 'missing', 'repo/image']), `${aliased.id}\n`);
    assert.equal((JSON.parse(await ok(root, ['inspect', 'repo/image'])) as { Id: string }[])[0]!.Id, aliased.id);
    // Without the alias, localhost/ comes first.
    const noAlias = await runHoist(['--root', root, 'inspect', 'repo/image'], { env: sandbox.cliEnv });
    assert.equal((JSON.parse(noAlias.stdout) as { Id: string }[])[0]!.Id, local.id, noAlias.stderr);
  });
});

describe('image exists', () => {
  test('exits 0 or 1 with no output; 125 and one Error line for a malformed name', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/test/tiny`);
    for (const [name, status] of [
      ['test/tiny', 0],
      [tiny.id, 0],
      [tiny.id.slice(0, 12), 0],
      ['nosuch', 1],
      ['abc', 1],
    ] as const) {
      const result = await hoist(root, ['image', 'exists', name]);
      assert.deepEqual([result.status, result.stdout, result.stderr], [status, '', ''], name);
    }
    const bad = await hoist(root, ['image', 'exists', 'Bad:Name']);
    assert.equal(bad.status, 125);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^Error: invalid reference "Bad:Name": repository name must be lowercase\n$/);
  });
});

describe('rmi as Podman: every name processed, exit 1 for unknown names, 125 for other errors', () => {
  test('rmi nosuch exits 1; rmi nosuch keep:1 removes keep:1 and exits 1', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/other/keep:1`);
    const before = await storeSnapshot(root);
    const unknown = await hoist(root, ['rmi', 'nosuch']);
    assert.deepEqual([unknown.status, unknown.stdout, unknown.stderr], [1, '', 'Error: nosuch: image not known\n']);
    assert.deepEqual(await storeSnapshot(root), before);
    const mixed = await hoist(root, ['rmi', 'nosuch', 'keep:1']);
    assert.equal(mixed.status, 1, mixed.stderr);
    assert.equal(mixed.stdout, `Untagged: ${host}/other/keep:1\nDeleted: ${keep.id}\n`);
    assert.equal(mixed.stderr, 'Error: nosuch: image not known\n');
    assert.deepEqual(await ids(root), []);
  });

  test('rmi --force ignores unknown names; another failure beside an unknown name exits 125', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/other/keep:1`);
    const forced = await hoist(root, ['rmi', '--force', 'bogus', 'keep:1']);
    assert.deepEqual([forced.status, forced.stderr], [0, '']);
    assert.equal(forced.stdout, `Untagged: ${host}/other/keep:1\nDeleted: ${keep.id}\n`);
    const both = await hoist(root, ['rmi', 'Bad:Name', 'nosuch']);
    assert.equal(both.status, 125);
    assert.equal(both.stderr, 'Error: invalid reference "Bad:Name": repository name must be lowercase\nError: nosuch: image not known\n');
  });

  test('rmi -a removes every image; with names it is refused', async () => {
    const root = sandbox.root();
    await pulled(root, `${host}/other/keep:1`, `${host}/test/tiny`);
    const refused = await hoist(root, ['rmi', '-a', 'keep:1']);
    assert.equal(refused.status, 125);
    assert.equal(refused.stderr, 'Error: when using the --all switch, you may not pass any images names or IDs\n');
    const all = await hoist(root, ['image', 'rm', '-a']);
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(
      all.stdout
        .split('\n')
        .filter((l) => l.startsWith('Deleted: '))
        .sort(),
      [`Deleted: ${keep.id}`, `Deleted: ${tiny.id}`].sort(),
    );
    assert.deepEqual(await ids(root), []);
    assert.deepEqual((await storeSnapshot(root)).blobs, []);
  });
});

describe('pull of several names', () => {
  test('every name is pulled; each failure is one Error line; exit 125', async () => {
    const root = sandbox.root();
    const missingDir = sandbox.root();
    const result = await hoist(root, ['pull', `${host}/nosuch/one`, `${host}/other/keep:1`, `dir:${missingDir}`]);
    assert.equal(result.status, 125);
    assert.equal(result.stdout, `${keep.id}\n`);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    assert.equal(errors.length, 2, result.stderr);
    assert.match(errors[0]!, /nosuch\/one/);
    assert.equal(errors[1], `Error: ${missingDir}/manifest.json: no such file or directory`);
    assert.deepEqual(await ids(root), [keep.id]);
  });
});

describe('image prune', () => {
  /** A store with keep:1 named and tiny dangling (its name moved to keep). */
  async function withDangling(): Promise<string> {
    const root = sandbox.root();
    await pulled(root, `${host}/test/tiny`);
    await ok(root, ['pull', `${host}/other/keep:1`]);
    await ok(root, ['tag', 'keep:1', `${host}/test/tiny`]);
    assert.deepEqual(await ids(root), [keep.id, tiny.id].sort());
    return root;
  }

  test('-f removes dangling images and their blobs, printing their IDs; -a -f every image', async () => {
    const root = await withDangling();
    assert.equal(await ok(root, ['image', 'prune', '-f']), `${tiny.id}\n`);
    assert.deepEqual(await ids(root), [keep.id]);
    const blobs = (await storeSnapshot(root)).blobs;
    for (const layer of tiny.layers) assert.equal(blobs.includes(layer.digest), false);
    assert.equal(await ok(root, ['image', 'prune', '-f']), '');
    assert.equal(await ok(root, ['image', 'prune', '--all', '--force']), `${keep.id}\n`);
    assert.deepEqual((await storeSnapshot(root)).blobs, []);
  });

  test('without -f it asks on stderr: y prunes, anything else keeps; a closed stdin is an error', async () => {
    const root = await withDangling();
    const no = await runHoist(['--root', root, 'image', 'prune'], { env: sandbox.cliEnv, input: 'n\n' });
    assert.deepEqual([no.status, no.stdout], [0, '']);
    assert.equal(no.stderr, 'WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ');
    assert.deepEqual(await ids(root), [keep.id, tiny.id].sort());
    const closed = await runHoist(['--root', root, 'image', 'prune'], { env: sandbox.cliEnv });
    assert.equal(closed.status, 125);
    assert.match(closed.stderr, /\[y\/N\] Error: no answer to the confirmation: stdin ended\nHint: answer y, or use --force\n$/);
    const yes = await runHoist(['--root', root, 'image', 'prune'], { env: sandbox.cliEnv, input: 'y\n' });
    assert.deepEqual([yes.status, yes.stdout], [0, `${tiny.id}\n`]);
  });
});

describe('hoist image …: the Podman forms', () => {
  test('image pull, ls, list, inspect, tag, rm run the same commands as the short forms', async () => {
    const root = sandbox.root();
    assert.equal(await ok(root, ['image', 'pull', `${host}/test/tiny`]), `${tiny.id}\n`);
    const table = await ok(root, ['images']);
    assert.equal(await ok(root, ['image', 'ls']), table);
    assert.equal(await ok(root, ['image', 'list']), table);
    await ok(root, ['image', 'tag', 'test/tiny', 'again:1']);
    assert.deepEqual((JSON.parse(await ok(root, ['image', 'inspect', 'again:1'])) as { RepoTags: string[] }[])[0]!.RepoTags.sort(), [
      `${host}/test/tiny:latest`,
      'localhost/again:1',
    ]);
    assert.equal(await ok(root, ['image', 'rm', 'again:1']), 'Untagged: localhost/again:1\n');
  });

  test('image --help lists the subcommands; an unknown one is an error', async () => {
    const help = await runHoist(['image', '--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const sub of ['pull', 'ls', 'inspect', 'tag', 'rm', 'exists', 'prune']) assert.match(help.stdout, new RegExp(`hoist image ${sub}\\b`));
    const unknown = await runHoist(['image', 'frobnicate']);
    assert.equal(unknown.status, 125);
    assert.match(unknown.stderr, /^Error: Unknown argument: frobnicate\n$/);
  });
});

describe('one row per image in images, however it was named', () => {
  test('a pull by digest after a pull by tag is still one row (podman#7651); an image known only by digest is one <none> row', async () => {
    const root = await sandbox.store().then((s) => s.root);
    await pulled(root, `${host}/test/tiny:latest`);
    await pulled(root, `${host}/test/tiny@${tiny.manifest.digest}`);
    const rows = (await ok(root, ['images', '--format', '{{.Repository}} {{.Tag}} {{.ID}}'])).trimEnd().split('\n');
    assert.deepEqual(rows, [`${host}/test/tiny latest ${tiny.id.slice(0, 12)}`]);
    const byDigest = await sandbox.store().then((s) => s.root);
    await pulled(byDigest, `${host}/org/app@${tiny.manifest.digest}`);
    assert.deepEqual((await ok(byDigest, ['images', '--format', '{{.Repository}} {{.Tag}}'])).trimEnd().split('\n'), [`${host}/org/app <none>`]);
  });
});
