import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Store } from '../../src/store/index.js';
import { ociArchiveTransport } from '../../src/transports/oci-archive.js';
import { directoryEntries, pullArchive, rejectsWith } from '../helpers/archives.js';
import { makeTar, type TarEntry } from '../helpers/tar.js';
import { buildImage, buildIndex, writeOciLayout, type FixtureImage, type LayoutEntry } from '../helpers/images.js';
import { makeTempDir, removeDir, storeSnapshot, assertNothingRecorded } from '../helpers/tmp.js';

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

let counter = 0;
const freshStore = () => Store.open(join(dir, `store-${counter++}`));
const pull = async (reference: string, store?: Store) => pullArchive(ociArchiveTransport, reference, store ?? (await freshStore()));

/**
 * An oci-archive of a layout holding `entries`. `edit` may change the layout directory before it
 * is archived, `extra` adds tar entries after it.
 */
async function ociArchive(entries: LayoutEntry[], images: FixtureImage[], edit?: (layout: string) => Promise<void>, extra: TarEntry[] = []): Promise<string> {
  const layout = join(dir, `layout-${counter++}`);
  await writeOciLayout(
    layout,
    entries,
    images.flatMap((i) => [...i.blobs.values()]),
  );
  await edit?.(layout);
  const path = `${layout}.tar`;
  await writeFile(path, makeTar([...(await directoryEntries(layout)), ...extra]));
  return path;
}

const one = buildImage({ labels: { n: '1' } });
const two = buildImage({ labels: { n: '2' } });

test('selects by ref name and names the image by it', async () => {
  const path = await ociArchive(
    [
      { top: one.manifest, refName: 'example.com/app:1' },
      { top: two.manifest, refName: 'other:2' },
    ],
    [one, two],
  );
  const first = await pull(`${path}:example.com/app:1`);
  assert.deepEqual([first.id, first.names], [one.id, ['example.com/app:1']]);
  const second = await pull(`${path}:other:2`);
  assert.deepEqual([second.id, second.names], [two.id, ['localhost/other:2']]);
  const byPosition = await pull(`${path}:@1`);
  assert.equal(byPosition.id, two.id);
});

test('names a BuildKit archive by io.containerd.image.name first', async () => {
  const path = await ociArchive([{ top: one.manifest, refName: '1', annotations: { 'io.containerd.image.name': 'docker.io/library/app:1' } }], [one]);
  const record = await pull(path);
  assert.deepEqual([record.id, record.names], [one.id, ['docker.io/library/app:1']]);
});

test('an image without name annotations stays unnamed', async () => {
  const record = await pull(await ociArchive([{ top: one.manifest }], [one]));
  assert.deepEqual([record.id, record.names], [one.id, []]);
});

test('several images need a selector', async () => {
  const path = await ociArchive([{ top: one.manifest }, { top: two.manifest }], [one, two]);
  await rejectsWith(pull(path), 'INVALID_SOURCE', `oci-archive:${path}: the layout holds 2 images, choose one`);
});

test('picks the platform instance of an index', async () => {
  const arm = buildImage({ architecture: 'arm64', variant: 'v8' });
  const amd = buildImage({ architecture: 'amd64' });
  const index = buildIndex([arm, amd]);
  const path = await ociArchive([{ top: index.index, refName: 'multi:1' }], [arm, amd], async (layout) => {
    await writeFile(join(layout, 'blobs', 'sha256', index.index.digest.slice(7)), index.index.data);
  });
  const record = await pull(path);
  assert.deepEqual([record.id, record.names], [amd.id, ['localhost/multi:1']]);
});

test('reads a gzip-compressed oci-archive', async () => {
  const path = `${await ociArchive([{ top: one.manifest, refName: 'zipped:1' }], [one])}.gz`;
  await writeFile(path, gzipSync(await readFile(path.slice(0, -'.gz'.length))));
  const store = await freshStore();
  assert.equal((await pull(path, store)).id, one.id);
  assert.deepEqual(await readdir(store.paths.tmp), []);
});

test('a blob whose entry size disagrees with its descriptor is refused, naming the entry', async () => {
  const layer = one.layers[0]!;
  const path = await ociArchive([{ top: one.manifest }], [one], (layout) => appendFile(join(layout, 'blobs', 'sha256', layer.digest.slice(7)), 'x'));
  const store = await freshStore();
  const untouched = await storeSnapshot(store.root);
  await rejectsWith(
    pull(path, store),
    'INVALID_ARCHIVE',
    `invalid archive ${path}: "blobs/sha256/${layer.digest.slice(7)}" holds ${layer.size + 1} bytes, but its descriptor says ${layer.size}`,
  );
  await assertNothingRecorded(store.root, untouched);
});

test('a duplicate or linked index.json is refused', async () => {
  const duplicate = await ociArchive([{ top: one.manifest }], [one], undefined, [{ name: './index.json', data: '{"manifests":[]}' }]);
  await rejectsWith(pull(duplicate), 'INVALID_ARCHIVE', `invalid archive ${duplicate}: the archive holds "index.json" 2 times`);
  const linked = await ociArchive([{ top: one.manifest }], [one], async (layout) => {
    await rename(join(layout, 'index.json'), join(layout, 'real-index.json'));
    await symlink('real-index.json', join(layout, 'index.json'));
  });
  await rejectsWith(pull(linked), 'INVALID_ARCHIVE', `invalid archive ${linked}: "index.json" is a symlink, not a regular file`);
});

test('a blob stored as a symlink is refused', async () => {
  const blob = join('blobs', 'sha256', one.config.digest.slice(7));
  const path = await ociArchive([{ top: one.manifest }], [one], async (layout) => {
    await unlink(join(layout, blob));
    await symlink('../../oci-layout', join(layout, blob));
  });
  await rejectsWith(pull(path), 'INVALID_ARCHIVE', `invalid archive ${path}: "${blob}" is a symlink, not a regular file`);
});

test('an archive without index.json is refused, with a hint when it is a docker archive', async () => {
  const path = await ociArchive([{ top: one.manifest }], [one], async (layout) => {
    await unlink(join(layout, 'index.json'));
    await writeFile(join(layout, 'manifest.json'), '[]');
  });
  await rejectsWith(
    pull(path),
    'INVALID_ARCHIVE',
    `invalid archive ${path}: the archive has no index.json, so it is not an OCI layout`,
    'it holds a docker archive: use docker-archive: instead',
  );
});
