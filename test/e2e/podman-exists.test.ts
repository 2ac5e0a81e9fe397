import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, runHoist } from '../helpers/cli.js';
import { buildImage, writeOciLayout } from '../helpers/images.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

// `hoist image exists` against `podman image exists` on the same names, with the same
// registries.conf: the exit statuses must agree. Podman runs rootless with a temporary root and
// the vfs driver (as bench/tools.ts runs it), so the host's storage is never touched.
const image = buildImage({ layers: [{ 'etc/compare': 'podman and hoist\n' }] });
const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
const podmanAbsent = version.status === 0 ? undefined : `podman is not installed here (${version.error?.message ?? version.stderr.trim()})`;

/** Set when podman is installed but cannot work here (no user namespaces, no storage): the test says why it skips. */
let podmanCannotRun: string | undefined;
let work: string;
let podmanRoot: string;
let hoistRoot: string;
let conf: string;
let layoutDir: string | undefined;
const env = () => ({ CONTAINERS_REGISTRIES_CONF: conf });
const podman = (args: string[]) =>
  run('podman', ['--root', join(podmanRoot, 'storage'), '--runroot', join(podmanRoot, 'run'), '--storage-driver', 'vfs', ...args], { env: env() });

before(async () => {
  work = await makeTempDir();
  podmanRoot = join(work, 'podman');
  hoistRoot = join(work, 'hoist');
  conf = join(work, 'registries.conf');
  await writeFile(conf, 'unqualified-search-registries = ["quay.io"]\n\n[aliases]\n"short/alias" = "registry.example/aliased/image"\n');
  if (podmanAbsent !== undefined) return;
  // Podman 4.3 names an oci: image after its path, which must then be lowercase.
  const layout = join(tmpdir(), `hoist-podman-layout-${process.pid}`);
  layoutDir = layout;
  await writeOciLayout(layout, [{ top: image.manifest, refName: '1' }], [...image.blobs.values()]);
  const names = ['quay.io/org/app:1', 'localhost/local/thing:2', 'registry.example/aliased/image:latest', 'docker.io/library/hubimage:3'];
  const pulled = await podman(['pull', '-q', `oci:${layout}:1`]);
  if (pulled.status !== 0) {
    podmanCannotRun = `podman is installed but cannot pull here: ${pulled.stderr.trim().split('\n').at(-1)}`;
    return;
  }
  for (const name of names) assert.equal((await podman(['tag', image.id, name])).status, 0);
  assert.equal((await runHoist(['--root', hoistRoot, 'pull', '-q', `oci:${layout}:1`])).status, 0);
  const tagged = await runHoist(['--root', hoistRoot, 'tag', image.id, ...names], { env: env() });
  assert.equal(tagged.status, 0, tagged.stderr);
});
after(async () => {
  if (podmanRoot !== undefined) spawnSync('podman', ['unshare', 'rm', '-rf', podmanRoot], { stdio: 'ignore' });
  if (layoutDir !== undefined) await rm(layoutDir, { recursive: true, force: true });
  await removeDir(work);
});

const names = [
  'quay.io/org/app:1',
  'org/app:1', // a search registry
  'app:1', // libimage's repo-tags match
  'org/app', // :latest is not stored
  'local/thing:2', // localhost/
  'short/alias', // the alias
  'hubimage:3', // docker.io
  'docker.io/hubimage:3',
  'nosuch',
  'quay.io/org/app:2',
  'Bad:Name', // malformed: 125
  'UPPER',
  'a@sha256:zz',
];

test('image exists: hoist exits as podman does for each name, ID and short ID', { skip: podmanAbsent }, async (t) => {
  if (podmanCannotRun !== undefined) {
    t.skip(podmanCannotRun);
    return;
  }
  const differences: string[] = [];
  for (const name of [...names, image.id, image.id.slice(0, 12), `sha256:${image.id}`]) {
    const [theirs, ours] = await Promise.all([podman(['image', 'exists', name]), runHoist(['--root', hoistRoot, 'image', 'exists', name], { env: env() })]);
    if (theirs.status !== ours.status) differences.push(`${name}: podman ${theirs.status}, hoist ${ours.status} (${ours.stderr.trim()})`);
    if (ours.status !== 125) assert.equal(ours.stderr, '', name);
    assert.equal(ours.stdout, '', name);
  }
  assert.deepEqual(differences, []);
});
