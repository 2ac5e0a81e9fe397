import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultStoreRoot, Store } from '../../src/store/index.js';
import { buildImage, sha256, type FixtureImage } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';
import { addImageBlobs, openStore } from './fixtures.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const shared = { 'etc/shared': 'in two images\n' };
const imgA = buildImage({ layers: [shared, { a: 'a\n' }] });
const imgB = buildImage({ layers: [shared, { b: 'b\n' }] });
const imgC = buildImage({ layers: [{ c: 'c\n' }] });

const namesOf = async (store: Store) => Object.fromEntries((await store.images()).map((r) => [r.id, r.names]));
const digestsOf = (img: FixtureImage) => [...img.blobs.keys()];

async function withImages(fn: (store: Store) => Promise<void>, names: Array<[FixtureImage, string[]]>): Promise<void> {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    for (const [img, n] of names) await store.commitImage(await addImageBlobs(store, img), n);
    await fn(store);
  });
}

test('commitImage records an image under its names in index.json, as peers read it', () =>
  withImages(async (store) => {
    const record = await store.commitImage(await addImageBlobs(store, imgA), ['localhost/a:1', 'quay.io/x/a:2', 'localhost/a:1']);
    assert.equal(record.id, imgA.id);
    assert.deepEqual(record.names, ['localhost/a:1', 'quay.io/x/a:2']);
    const index = JSON.parse(await readFile(store.paths.index, 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    assert.deepEqual(
      index.manifests.map((d) => [d.digest, d.annotations[REF_NAME], d.annotations['io.containerd.image.name']]),
      [
        [imgA.manifest.digest, 'localhost/a:1', 'localhost/a:1'],
        [imgA.manifest.digest, 'quay.io/x/a:2', 'quay.io/x/a:2'],
      ],
    );
    // Committing the same image again merges names into the one record.
    await store.commitImage(await addImageBlobs(store, imgA), ['localhost/a:3']);
    assert.deepEqual(await namesOf(store), { [imgA.id]: ['localhost/a:1', 'quay.io/x/a:2', 'localhost/a:3'] });
  }, []));

test('a name that moves leaves the old image dangling, still stored', () =>
  withImages(
    async (store) => {
      await store.commitImage(await addImageBlobs(store, imgB), ['localhost/app:1']);
      assert.deepEqual(await namesOf(store), { [imgA.id]: ['localhost/app:2'], [imgB.id]: ['localhost/app:1'] });
      await store.commitImage(await addImageBlobs(store, imgC), ['localhost/app:2']);
      assert.deepEqual(await namesOf(store), { [imgA.id]: [], [imgB.id]: ['localhost/app:1'], [imgC.id]: ['localhost/app:2'] });
      const index = JSON.parse(await readFile(store.paths.index, 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
      const dangling = index.manifests.filter((d) => d.digest === imgA.manifest.digest);
      assert.equal(dangling.length, 1);
      assert.equal(dangling[0]!.annotations[REF_NAME], undefined);
      for (const digest of digestsOf(imgA)) assert.equal(await store.hasBlob(digest), true, digest);
    },
    [[imgA, ['localhost/app:1', 'localhost/app:2']]],
  ));

test('commitImage refuses an image whose blob is missing, leaving the records as they were', () =>
  withImages(
    async (store) => {
      const image = await addImageBlobs(store, imgB);
      await rm(store.paths.blob(imgB.layers[1]!.digest));
      const before = await readFile(store.paths.index, 'utf8');
      await assert.rejects(store.commitImage(image, ['localhost/b:1']), {
        code: 'STORE_CORRUPT',
        message: new RegExp(`blob ${imgB.layers[1]!.digest} vanished`),
      });
      assert.equal(await readFile(store.paths.index, 'utf8'), before);
    },
    [[imgA, ['localhost/a:1']]],
  ));

test('index.json entries hoist did not write are kept', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const foreign = { mediaType: imgC.manifest.mediaType, digest: imgC.manifest.digest, size: imgC.manifest.size, annotations: { [REF_NAME]: 'theirs' } };
    await writeFile(store.paths.index, JSON.stringify({ schemaVersion: 2, manifests: [foreign] }));
    await store.commitImage(await addImageBlobs(store, imgA), ['localhost/a:1']);
    const index = JSON.parse(await readFile(store.paths.index, 'utf8')) as { manifests: unknown[] };
    assert.deepEqual(index.manifests[0], foreign);
    assert.equal(index.manifests.length, 2);
  }));

test('tag adds names: short names under localhost/, :latest by default, taken from other images', () =>
  withImages(
    async (store) => {
      const record = await store.tag(imgA.id, ['mine:1', 'quay.io/team/app', 'localhost/b:1', 'mine:1', 'localhost/mine:1']);
      assert.deepEqual(record.names, ['localhost/a:1', 'localhost/mine:1', 'quay.io/team/app:latest', 'localhost/b:1']);
      assert.deepEqual((await namesOf(store))[imgB.id], []);
      await assert.rejects(store.tag('nothere', ['x']), { code: 'IMAGE_NOT_KNOWN', message: 'nothere: image not known' });
      const before = await storeSnapshot(store.root);
      await assert.rejects(store.tag(imgA.id, ['Bad:Name']), { code: 'INVALID_REFERENCE' });
      assert.deepEqual(await storeSnapshot(store.root), before);
    },
    [
      [imgA, ['localhost/a:1']],
      [imgB, ['localhost/b:1']],
    ],
  ));

test('rmi of one name of a multi-named image only untags it', () =>
  withImages(
    async (store) => {
      assert.deepEqual(await store.remove(['a:2']), { untagged: ['localhost/a:2'], deleted: [], errors: [] });
      assert.deepEqual(await namesOf(store), { [imgA.id]: ['localhost/a:1'] });
      for (const digest of digestsOf(imgA)) assert.equal(await store.hasBlob(digest), true);
    },
    [[imgA, ['localhost/a:1', 'localhost/a:2']]],
  ));

test('rmi by ID of an image with several names needs force', () =>
  withImages(
    async (store) => {
      const before = await storeSnapshot(store.root);
      const refused = await store.remove([imgA.id.slice(0, 12)]);
      assert.deepEqual([refused.untagged, refused.deleted, refused.errors.length], [[], [], 1]);
      const err = refused.errors[0] as Error & { code?: string; hint?: string };
      assert.equal(err.code, 'IMAGE_IN_USE');
      assert.match(err.message, /by ID with more than one tag \(localhost\/a:1, localhost\/a:2\)/);
      assert.match(err.hint ?? '', /--force/);
      assert.deepEqual(await storeSnapshot(store.root), before);
      assert.deepEqual(await store.remove([imgA.id], { force: true }), { untagged: ['localhost/a:1', 'localhost/a:2'], deleted: [imgA.id], errors: [] });
      assert.deepEqual((await storeSnapshot(store.root)).blobs, []);
    },
    [[imgA, ['localhost/a:1', 'localhost/a:2']]],
  ));

test('removing the last name deletes the image and its unreferenced blobs, keeping shared ones', () =>
  withImages(
    async (store) => {
      assert.deepEqual(await store.remove(['localhost/a:1']), { untagged: ['localhost/a:1'], deleted: [imgA.id], errors: [] });
      assert.deepEqual(await namesOf(store), { [imgB.id]: ['localhost/b:1'] });
      assert.deepEqual((await storeSnapshot(store.root)).blobs, digestsOf(imgB).sort());
      assert.equal(await store.hasBlob(imgA.layers[0]!.digest), true, 'the shared layer stays');
      // A dangling image is removed by ID.
      await store.commitImage(await addImageBlobs(store, imgC), ['localhost/b:1']);
      assert.deepEqual(await store.remove([imgB.id]), { untagged: [], deleted: [imgB.id], errors: [] });
      assert.deepEqual((await storeSnapshot(store.root)).blobs, digestsOf(imgC).sort());
      const unknown = await store.remove(['nothere']);
      assert.deepEqual([unknown.untagged, unknown.deleted], [[], []]);
      assert.equal(unknown.errors.length, 1);
      assert.deepEqual([(unknown.errors[0] as Error & { code: string }).code, unknown.errors[0]!.message], ['IMAGE_NOT_KNOWN', 'nothere: image not known']);
    },
    [
      [imgA, ['localhost/a:1']],
      [imgB, ['localhost/b:1']],
    ],
  ));

test('garbage collection spares blobs of a pull in flight and sweeps only old temp files', () =>
  withImages(
    async (store) => {
      const stray = Buffer.from('downloaded, not yet committed');
      await store.writeSmallBlob(sha256(stray), stray);
      const oldTmp = join(store.paths.tmp, 'blob-old');
      const newTmp = join(store.paths.tmp, 'blob-new');
      await writeFile(oldTmp, 'x');
      await writeFile(newTmp, 'x');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
      await utimes(oldTmp, twoDaysAgo, twoDaysAgo);
      const endInFlight = await store.markInFlight([sha256(stray)]);
      await store.remove(['localhost/a:1']);
      assert.equal(await store.hasBlob(sha256(stray)), true);
      const tmp = (await storeSnapshot(store.root)).tmp;
      assert.ok(tmp.includes('blob-new') && !tmp.includes('blob-old'), tmp.join(', '));
      await endInFlight();
      await store.remove(['localhost/b:1']);
      assert.equal(await store.hasBlob(sha256(stray)), false);
    },
    [
      [imgA, ['localhost/a:1']],
      [imgB, ['localhost/b:1']],
    ],
  ));

test('Store.lookup finds images by short name, search registry, ID and name@digest', () =>
  withImages(
    async (store) => {
      assert.equal((await store.lookup('a'))?.id, imgA.id);
      assert.equal((await store.lookup('team/b:1', { searchRegistries: ['quay.io'] }))?.id, imgB.id);
      // Without the search registry, libimage's repo-tags match still finds it, by its name's end.
      assert.equal((await store.lookup('team/b:1'))?.id, imgB.id);
      assert.equal(await store.lookup('team/b:2'), undefined);
      assert.equal((await store.lookup(`sha256:${imgB.id}`))?.id, imgB.id);
      assert.equal((await store.lookup(`a@${imgA.manifest.digest}`))?.id, imgA.id);
    },
    [
      [imgA, ['localhost/a:latest']],
      [imgB, ['quay.io/team/b:1']],
    ],
  ));

test('a store whose index.json is damaged is reported as such, not overwritten', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await writeFile(store.paths.index, '{"manifests": ');
    await assert.rejects(store.images(), { code: 'STORE_CORRUPT', message: new RegExp(`^image store index ${store.paths.index} is unreadable: `) });
    await assert.rejects(store.commitImage(await addImageBlobs(store, imgA), ['localhost/a:1']), { code: 'STORE_CORRUPT' });
    assert.equal(await readFile(store.paths.index, 'utf8'), '{"manifests": ');
    await writeFile(store.paths.index, '{"schemaVersion": 2}');
    await assert.rejects(store.images(), { code: 'STORE_CORRUPT', message: `image store index ${store.paths.index} has no "manifests" list` });
    // Opening it again leaves it alone too.
    await Store.open(store.root);
    assert.equal(await readFile(store.paths.index, 'utf8'), '{"schemaVersion": 2}');
  }));

test('defaultStoreRoot: HOIST_ROOT, else /var/lib/hoist for root, else XDG_DATA_HOME or ~/.local/share', () => {
  assert.equal(defaultStoreRoot({ HOIST_ROOT: '/x/store', XDG_DATA_HOME: '/xdg' }), '/x/store');
  const root = process.getuid?.() === 0;
  assert.equal(defaultStoreRoot({ XDG_DATA_HOME: '/xdg' }), root ? '/var/lib/hoist' : '/xdg/hoist');
  assert.equal(defaultStoreRoot({}), root ? '/var/lib/hoist' : join(homedir(), '.local', 'share', 'hoist'));
});
