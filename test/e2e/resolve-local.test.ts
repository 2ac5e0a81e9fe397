import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pull, type LocalExplanation } from '../../src/engine/index.js';
import { formatPlatform, hostPlatform } from '../../src/manifest/index.js';
import { transports } from '../../src/transports/index.js';
import { directoryEntries, dockerArchive } from '../helpers/archives.js';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage, buildIndex, writeDirImage, writeOciLayout, type FixtureImage } from '../helpers/images.js';
import { makeTar } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const blobsOf = (...images: FixtureImage[]) => images.flatMap((i) => [...i.blobs.values()]);
const host = hostPlatform();
const native = buildImage({ os: host.os, architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}), labels: { n: 'native' } });
const foreign = buildImage({ os: 'linux', architecture: host.architecture === 's390x' ? 'ppc64le' : 's390x', labels: { n: 'foreign' } });
const multi = buildIndex([foreign, native]);
const plain = buildImage({ labels: { n: 'plain' } });
const saved = buildImage({ uncompressed: true, format: 'docker', labels: { n: 'saved' } });

let work: string;
let tmp: string;
/** The store root the commands are given: it must never come into being. */
let root: string;

/** `hoist resolve` with its own TMPDIR, which must be empty afterwards: nothing stays behind. */
async function resolve(args: string[]): Promise<RunResult> {
  const result = await runHoist(['--root', root, 'resolve', ...args], { env: { TMPDIR: tmp } });
  assert.deepEqual(await readdir(tmp), [], 'resolve left temporary files');
  await assert.rejects(readdir(root), { code: 'ENOENT' }, 'resolve created the store');
  return result;
}

async function json(name: string): Promise<LocalExplanation> {
  const result = await resolve(['--format', 'json', name]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as LocalExplanation;
}

before(async () => {
  work = await makeTempDir();
  tmp = join(work, 'tmp');
  root = join(work, 'never-created');
  await mkdir(tmp);
});
after(() => removeDir(work));

describe('hoist resolve of local names: what is read, which image, which name; nothing copied', () => {
  test('oci: the layout directory, the ref name matched, the index digest and the platform instance, the name', async () => {
    const layout = join(work, 'layout');
    await writeOciLayout(
      layout,
      [
        { top: plain.manifest, refName: 'v0' },
        { top: multi.index, refName: 'v1' },
      ],
      [multi.index, ...blobsOf(plain, native, foreign)],
    );
    const e = await json(`oci:${layout}:v1`);
    assert.deepEqual(e, {
      input: `oci:${layout}:v1`,
      transport: 'oci',
      source: 'an OCI image layout directory',
      path: layout,
      resolvedPath: layout,
      listing: 'index.json',
      chosenBy: 'ref name "v1"',
      position: 1,
      refName: 'v1',
      manifestDigest: multi.index.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      instance: { digest: native.manifest.digest, platform: formatPlatform(host) },
      names: ['localhost/layout:v1'],
    });

    const text = await resolve([`oci:${layout}:v1`]);
    assert.equal(text.status, 0, text.stderr);
    assert.deepEqual(text.stdout.trimEnd().split('\n'), [
      `oci:${layout}:v1: an OCI image layout directory (oci:)`,
      `  reads: ${layout}, its index.json`,
      '  image: ref name "v1", @1 in index.json',
      '  ref name: v1',
      `  manifest: ${multi.index.digest} (application/vnd.oci.image.index.v1+json)`,
      `  instance for ${formatPlatform(host)}: ${native.manifest.digest}`,
      '  named: localhost/layout:v1',
    ]);

    const byPosition = await json(`oci:${layout}:@0`);
    assert.equal(byPosition.chosenBy, 'position @0');
    assert.equal(byPosition.manifestDigest, plain.manifest.digest);
    assert.equal(byPosition.instance, undefined);
    assert.deepEqual(byPosition.names, []);
  });

  test('docker-archive: the manifest.json item, its RepoTags and config entry, the names; a gzip copy is removed', async () => {
    const path = join(work, 'saved.tar.gz');
    await writeFile(
      path,
      gzipSync(
        dockerArchive([
          { image: plain, repoTags: ['other:1'] },
          { image: saved, repoTags: ['fedora:39', 'quay.io/org/app:1'] },
        ]),
      ),
    );
    const e = await json(`docker-archive:${path}:@1`);
    const [pulled] = await pull(`docker-archive:${path}:@1`, { root: join(work, 'store') });
    assert.deepEqual(e, {
      input: `docker-archive:${path}:@1`,
      transport: 'docker-archive',
      source: transports.find((t) => t.name === 'docker-archive')!.help.source,
      path,
      resolvedPath: path,
      listing: 'manifest.json',
      chosenBy: 'position @1',
      position: 1,
      repoTags: ['fedora:39', 'quay.io/org/app:1'],
      configEntry: `${saved.id}.json`,
      manifestDigest: pulled!.manifestDigest,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      names: ['localhost/fedora:39', 'quay.io/org/app:1'],
    });
    const byTag = await json(`docker-archive:${path}:quay.io/org/app:1`);
    assert.equal(byTag.chosenBy, 'tag quay.io/org/app:1');
    assert.deepEqual(byTag.names, ['quay.io/org/app:1']);
  });

  test('oci-archive: the index.json entry of the tar, named by its annotation', async () => {
    const layout = join(work, 'archived');
    await writeOciLayout(layout, [{ top: plain.manifest, refName: 'example.com/app:2' }], blobsOf(plain));
    const path = join(work, 'archived.tar');
    await writeFile(path, makeTar(await directoryEntries(layout)));
    const e = await json(`oci-archive:${path}`);
    assert.equal(e.listing, 'index.json');
    assert.equal(e.chosenBy, 'the only image');
    assert.equal(e.position, 0);
    assert.equal(e.refName, 'example.com/app:2');
    assert.equal(e.manifestDigest, plain.manifest.digest);
    assert.deepEqual(e.names, ['example.com/app:2']);
  });

  test('dir: the directory, its manifest.json, unnamed', async () => {
    const dir = join(work, 'dir-image');
    await writeDirImage(dir, plain);
    const e = await json(`dir:${dir}`);
    assert.deepEqual(e, {
      input: `dir:${dir}`,
      transport: 'dir',
      source: "skopeo's `dir:` format",
      path: dir,
      resolvedPath: dir,
      listing: 'manifest.json',
      chosenBy: 'the only image',
      manifestDigest: plain.manifest.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      names: [],
    });
    const text = await resolve([`dir:${dir}`]);
    assert.match(text.stdout, /^ {2}named: none \(the image stays unnamed, known by its ID\)$/m);
  });

  test('a malformed selector fails at parse: one Error line, exit 125, nothing read', async () => {
    for (const name of [
      `oci:${join(work, 'nothere')}:@x`,
      `docker-archive:${join(work, 'nothere.tar')}:@-1`,
      `oci-archive:${join(work, 'nothere.tar')}:bad ref`,
    ]) {
      const result = await resolve([name]);
      assert.equal(result.status, 125, name);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^Error: (oci|docker-archive|oci-archive):.*: invalid (image position|ref name) "[^"]*": expected .*\n$/);
    }
  });
});

describe('the transport table drives the help', () => {
  test('hoist pull --help lists every transport of the table, with what it reads', async () => {
    const result = await runHoist(['pull', '--help']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('Transports:');
    assert.ok(start > 0, result.stdout);
    const listed = lines.slice(start + 1, start + 1 + transports.length).map((line) => line.trim());
    transports.forEach((t, i) => {
      assert.ok(listed[i]!.startsWith(t.help.syntax.join(', ')), `line ${i}: ${listed[i]}`);
      assert.ok(listed[i]!.endsWith(t.help.source), `line ${i}: ${listed[i]}`);
    });
  });
});
