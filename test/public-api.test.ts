import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as hoist from '../src/index.js';
import { buildImage, writeOciLayout } from './helpers/images.js';
import { withTempDir } from './helpers/tmp.js';

test('the library exports what a program that pulls and manages images needs, and nothing of the store’s insides', () => {
  assert.deepEqual(Object.keys(hoist).sort(), [
    'ERROR_CODES',
    'HoistError',
    'MultiError',
    'WARNING_CODES',
    'defaultStoreRoot',
    'explainResolution',
    'explainTrust',
    'exportImage',
    'familiarString',
    'formatReference',
    'isHoistError',
    'isShortName',
    'loadLocalSearch',
    'loadPolicy',
    'localImageName',
    'openImageStore',
    'parseDigest',
    'parseImageName',
    'parsePolicy',
    'parseReference',
    'pull',
    'repositoryName',
    'unpack',
    'verifyStoredImage',
    'withDefaultTag',
  ]);
});

test('openImageStore, pull into it, then list, look up, inspect, tag and remove through the ImageStore interface', () =>
  withTempDir(async (dir) => {
    const image = buildImage({ layers: [{ 'etc/motd': 'library\n' }] });
    const layout = `${dir}/layout`;
    await writeOciLayout(layout, [{ top: image.manifest, refName: '1.0' }], [image.manifest, image.config, ...image.layers]);
    const store = await hoist.openImageStore({ root: `${dir}/store` });
    const [pulled] = await hoist.pull(`oci:${layout}:1.0`, { store, env: { HOME: dir } });
    assert.equal(pulled!.id, image.id);
    assert.deepEqual(
      (await store.images()).map((r) => r.id),
      [image.id],
    );
    assert.equal((await store.lookup(pulled!.names[0]!))?.id, image.id);
    assert.equal((await store.inspect(image.id.slice(0, 12))).Id, image.id);
    await store.tag(image.id, ['extra:2']);
    assert.deepEqual((await store.inspect('localhost/extra:2')).RepoTags.sort(), [...pulled!.names, 'localhost/extra:2'].sort());
    const removed = await store.remove([image.id], { force: true });
    assert.deepEqual(removed.deleted, [image.id]);
    assert.deepEqual(await store.images(), []);
    // Method names of the internal store are not part of the interface's type; at run time, a
    // store that hoist did not open cannot be handed to pull.
    await assert.rejects(hoist.pull(`oci:${layout}:1.0`, { store: { ...store, root: store.root } as hoist.ImageStore }), (err: unknown) =>
      hoist.isHoistError(err, 'INVALID_ARGUMENT'),
    );
  }));
