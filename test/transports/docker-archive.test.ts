import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Store } from '../../src/store/index.js';
import { dockerArchiveTransport } from '../../src/transports/docker-archive.js';
import { dockerArchive, dockerArchiveEntries, pullArchive, rejectsWith, zstdFrame } from '../helpers/archives.js';
import { blobOf, buildImage, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_LAYER_ZSTD, OCI_MANIFEST, sha256, type FixtureImage } from '../helpers/images.js';
import { makeTar, type TarEntry } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

let counter = 0;
async function writeArchive(bytes: Buffer): Promise<string> {
  const path = join(dir, `archive-${counter++}.tar`);
  await writeFile(path, bytes);
  return path;
}
const freshStore = () => Store.open(join(dir, `store-${counter++}`));
const pull = async (reference: string, store?: Store) => pullArchive(dockerArchiveTransport, reference, store ?? (await freshStore()));

const plainImage = (layers?: Record<string, string>[], labels?: Record<string, string>) =>
  buildImage({ uncompressed: true, format: 'docker', ...(layers ? { layers } : {}), ...(labels ? { labels } : {}) });

test('pulls a docker save archive: the ID is the config digest, layers are stored under their diffIDs', async () => {
  const image = plainImage();
  const path = await writeArchive(dockerArchive([{ image, repoTags: ['fedora:39', 'quay.io/org/app:1', 'docker.io/busybox:latest'] }]));
  const store = await freshStore();
  const record = await pull(path, store);
  assert.equal(record.id, image.id);
  assert.deepEqual(record.names.sort(), ['docker.io/library/busybox:latest', 'localhost/fedora:39', 'quay.io/org/app:1']);
  const manifest = await store.manifestOf(record);
  assert.equal(manifest.mediaType, DOCKER_MANIFEST);
  assert.deepEqual(manifest.config, { mediaType: 'application/vnd.docker.container.image.v1+json', size: image.config.size, digest: image.config.digest });
  assert.deepEqual(
    manifest.layers,
    image.layers.map((l, i) => ({ mediaType: DOCKER_LAYER, size: l.size, digest: image.diffIds[i] })),
  );
  for (const digest of [image.config.digest, ...image.diffIds]) assert.ok(await store.hasBlob(digest), digest);
});

test('stores gzip layers compressed, under the digest of their compressed bytes', async () => {
  const image = buildImage({ format: 'docker' });
  const path = await writeArchive(dockerArchive([{ image, repoTags: ['app:gz'] }]));
  const store = await freshStore();
  const record = await pull(path, store);
  assert.equal(record.id, image.id);
  const manifest = await store.manifestOf(record);
  assert.equal(manifest.mediaType, DOCKER_MANIFEST);
  assert.deepEqual(
    manifest.layers,
    image.layers.map((l) => ({ mediaType: DOCKER_LAYER_GZIP, size: l.size, digest: l.digest })),
  );
});

test('a zstd layer makes the manifest OCI, since Docker v2s2 has no zstd layer type', async () => {
  const plain = plainImage();
  const zstdLayer = blobOf(zstdFrame(plain.layers[1]!.data), OCI_LAYER_ZSTD);
  const image: FixtureImage = { ...plain, layers: [plain.layers[0]!, zstdLayer] };
  const store = await freshStore();
  const record = await pull(await writeArchive(dockerArchive([{ image }])), store);
  assert.equal(record.id, plain.id);
  const manifest = await store.manifestOf(record);
  assert.equal(manifest.mediaType, OCI_MANIFEST);
  assert.equal(manifest.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.deepEqual(manifest.layers, [
    { mediaType: OCI_LAYER, size: plain.layers[0]!.size, digest: plain.diffIds[0] },
    { mediaType: OCI_LAYER_ZSTD, size: zstdLayer.size, digest: zstdLayer.digest },
  ]);
});

test('reads the Docker 25 form (manifest.json beside an OCI layout) as the legacy form', async () => {
  const image = plainImage();
  const legacy = await pull(await writeArchive(dockerArchive([{ image, repoTags: ['web:2'] }])));
  const docker25 = await pull(await writeArchive(dockerArchive([{ image, repoTags: ['web:2'] }], 'docker25')));
  assert.equal(docker25.id, image.id);
  assert.deepEqual(docker25.names, ['localhost/web:2']);
  assert.equal(docker25.manifestDigest, legacy.manifestDigest);
});

test('decompresses a gzip-compressed archive once, and removes the copy on close', async () => {
  const image = plainImage();
  const path = await writeArchive(gzipSync(dockerArchive([{ image, repoTags: ['zipped:1'] }])));
  const store = await freshStore();
  const record = await pull(path, store);
  assert.equal(record.id, image.id);
  assert.deepEqual(record.names, ['localhost/zipped:1']);
  assert.deepEqual(
    (await readdir(store.paths.tmp)).filter((f) => f.startsWith('archive-')),
    [],
  );
});

test('an image without RepoTags stays unnamed', async () => {
  const image = plainImage();
  const record = await pull(await writeArchive(dockerArchive([{ image }])));
  assert.equal(record.id, image.id);
  assert.deepEqual(record.names, []);
});

test('a layer repeated in one image is read from its first entry and listed twice, as skopeo does', async () => {
  const image = plainImage([{ 'a.txt': 'same' }, { 'b.txt': 'other' }, { 'a.txt': 'same' }]);
  assert.equal(image.diffIds[0], image.diffIds[2]);
  const store = await freshStore();
  const record = await pull(await writeArchive(dockerArchive([{ image }])), store);
  assert.deepEqual(
    (await store.manifestOf(record)).layers.map((l) => l.digest),
    image.diffIds,
  );
});

test('follows the symlink docker save writes for a layer another image already holds', async () => {
  const base = plainImage([{ 'base.txt': 'base' }]);
  const derived = plainImage([{ 'top.txt': 'top' }, { 'base.txt': 'base' }]);
  const entries = dockerArchiveEntries([
    { image: base, repoTags: ['base:1'] },
    { image: derived, repoTags: ['derived:1'] },
  ]);
  const manifestJson = entries.find((e) => e.name === 'manifest.json')!;
  const items = JSON.parse(String(manifestJson.data)) as { Layers: string[] }[];
  items[1]!.Layers[1] = 'linked/layer.tar';
  manifestJson.data = JSON.stringify(items);
  entries.push({ name: 'linked/layer.tar', type: 'symlink', linkname: `../${base.layers[0]!.digest.slice(7)}/layer.tar` });
  const record = await pull(`${await writeArchive(makeTar(entries))}:derived:1`);
  assert.equal(record.id, derived.id);
});

test('multi-image archives: the image must be chosen, by tag or position', async () => {
  const a = plainImage(undefined, { image: 'a' });
  const b = plainImage(undefined, { image: 'b' });
  const c = plainImage(undefined, { image: 'c' });
  const path = await writeArchive(dockerArchive([{ image: a, repoTags: ['a:1', 'a:latest'] }, { image: b, repoTags: ['example.com/b:2'] }, { image: c }]));
  await rejectsWith(
    pull(path),
    'INVALID_SOURCE',
    `docker-archive:${path}: the archive holds 3 images, choose one`,
    'append :NAME:TAG or :@N to the path — @0: a:1, a:latest; @1: example.com/b:2; @2: (untagged)',
  );
  const byPosition = await pull(`${path}:@1`);
  assert.deepEqual([byPosition.id, byPosition.names], [b.id, ['example.com/b:2']]);
  const untagged = await pull(`${path}:@2`);
  assert.deepEqual([untagged.id, untagged.names], [c.id, []]);
  const byAllTagsPosition = await pull(`${path}:@0`);
  assert.deepEqual(byAllTagsPosition.names.sort(), ['localhost/a:1', 'localhost/a:latest']);
  const byTag = await pull(`${path}:docker.io/library/a:1`);
  assert.deepEqual([byTag.id, byTag.names], [a.id, ['localhost/a:1']]);
  const byDefaultTag = await pull(`${path}:a`);
  assert.deepEqual([byDefaultTag.id, byDefaultTag.names], [a.id, ['localhost/a:latest']]);
  await rejectsWith(
    pull(`${path}:a:9`),
    'IMAGE_NOT_KNOWN',
    `docker-archive:${path}:a:9: no image tagged "docker.io/library/a:9" in the archive`,
    'the archive holds: @0: a:1, a:latest; @1: example.com/b:2; @2: (untagged)',
  );
  await rejectsWith(pull(`${path}:@3`), 'INVALID_SOURCE', `docker-archive:${path}:@3: no image at position @3 (the archive holds 3)`);
});

test('refuses a digest reference before opening the archive', async () => {
  const digest = sha256('x');
  await rejectsWith(pull(`${join(dir, 'never-read.tar')}:a@${digest}`), 'INVALID_REFERENCE', `docker-archive doesn't support digest references: a@${digest}`);
});

test('manifest.json problems are clear errors', async () => {
  const image = plainImage();
  const withManifest = async (manifest: unknown) => {
    const entries = dockerArchiveEntries([{ image }]).filter((e) => e.name !== 'manifest.json');
    return writeArchive(makeTar([...entries, { name: 'manifest.json', data: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) }]));
  };
  const notJson = await withManifest('{oops');
  await rejectsWith(
    pull(notJson),
    'INVALID_ARCHIVE',
    `invalid archive ${notJson}: manifest.json is not valid JSON: Expected property name or '}' in JSON at position 1`,
  );
  const notList = await withManifest({ Config: 'x' });
  await rejectsWith(pull(notList), 'INVALID_ARCHIVE', `invalid archive ${notList}: manifest.json is not a list of images`);
  const noConfig = await withManifest([{ Layers: [] }]);
  await rejectsWith(pull(noConfig), 'INVALID_ARCHIVE', `invalid archive ${noConfig}: manifest.json item @0 has no "Config"`);
  const config = `${image.id}.json`;
  const layers = image.diffIds.map((d) => `${image.layers.find((l) => l.digest === d)!.digest.slice(7)}/layer.tar`);
  const tooFew = await withManifest([{ Config: config, Layers: layers.slice(1) }]);
  await rejectsWith(pull(tooFew), 'INVALID_ARCHIVE', `invalid archive ${tooFew}: manifest.json lists 1 layers, but config "${config}" has 2 diff_ids`);
  const oneFileTwoDiffIds = await withManifest([{ Config: config, Layers: [layers[0], layers[0]] }]);
  await rejectsWith(
    pull(oneFileTwoDiffIds),
    'INVALID_ARCHIVE',
    `invalid archive ${oneFileTwoDiffIds}: layer "${layers[0]}" stands for two different diffIDs (${image.diffIds[0]} and ${image.diffIds[1]})`,
  );
  const noManifest = await writeArchive(
    makeTar([
      { name: 'index.json', data: '{}' },
      { name: 'oci-layout', data: '{}' },
    ]),
  );
  await rejectsWith(
    pull(noManifest),
    'INVALID_ARCHIVE',
    `invalid archive ${noManifest}: the archive has no manifest.json`,
    'it holds an OCI layout: use oci-archive: instead',
  );
});

test('a config without rootfs.diff_ids is refused', async () => {
  const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux' }), 'application/vnd.docker.container.image.v1+json');
  const path = await writeArchive(
    makeTar([
      { name: 'c.json', data: config.data },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: [] }]) },
    ]),
  );
  await rejectsWith(pull(path), 'INVALID_ARCHIVE', `invalid archive ${path}: config "c.json" has no valid rootfs.diff_ids`);
});

test('a foreign layer the archive does not hold is named with its source', async () => {
  const image = plainImage([{ 'only.txt': 'x' }]);
  const entries: TarEntry[] = [
    { name: `${image.id}.json`, data: image.config.data },
    {
      name: 'manifest.json',
      data: JSON.stringify([
        {
          Config: `${image.id}.json`,
          Layers: ['foreign/layer.tar'],
          LayerSources: {
            [image.diffIds[0]!]: {
              mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
              size: 10,
              digest: sha256('f'),
              urls: ['https://example.com/base.tar.gz'],
            },
          },
        },
      ]),
    },
  ];
  const path = await writeArchive(makeTar(entries));
  await rejectsWith(
    pull(path),
    'INVALID_ARCHIVE',
    `invalid archive ${path}: layer "foreign/layer.tar" is a foreign layer that the archive does not include (its source: https://example.com/base.tar.gz)`,
  );
});

test('the source serves only its own blobs and has no manifest lists', async () => {
  const image = plainImage();
  const path = await writeArchive(dockerArchive([{ image }]));
  const { source } = await dockerArchiveTransport.open(dockerArchiveTransport.parse(path), { tmpDir: dir });
  try {
    const raw = await source.getManifest();
    assert.deepEqual(await source.getManifest(raw.digest), raw);
    await rejectsWith(
      source.getManifest(sha256('other')),
      'INVALID_SOURCE',
      `docker-archive:${path}: a docker archive holds no manifest lists (asked for ${sha256('other')})`,
    );
    await rejectsWith(
      source.readBlob({ mediaType: DOCKER_LAYER, digest: sha256('nope'), size: 4 }, () => undefined),
      'BLOB_UNKNOWN',
      `docker-archive:${path}: the image has no blob ${sha256('nope')}`,
    );
  } finally {
    await source.close();
  }
});

test('an invalid RepoTag is named in the error', async () => {
  const path = await writeArchive(dockerArchive([{ image: plainImage(), repoTags: ['Bad:Tag'] }]));
  await rejectsWith(
    pull(path),
    'INVALID_SOURCE',
    `docker-archive:${path}: invalid tag "Bad:Tag" in manifest.json item @0: invalid reference "Bad:Tag": repository name must be lowercase`,
  );
});
