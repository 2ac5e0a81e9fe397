import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pull } from '../../src/engine/index.js';
import { describeImage, Store } from '../../src/store/index.js';
import { buildImage, DOCKER_MANIFEST, OCI_MANIFEST, writeOciLayout } from '../helpers/images.js';
import { runSkopeo } from '../helpers/cli.js';
import { withTempDir } from '../helpers/tmp.js';

// Interop with a real peer. These tests fail (never skip) when skopeo is missing: see runSkopeo.

for (const [format, manifestType] of [
  ['oci', OCI_MANIFEST],
  ['v2s2', DOCKER_MANIFEST],
] as const) {
  test(`an image written by skopeo copy --format ${format} oci: → dir: is pulled with the same ID`, () =>
    withTempDir(async (dir) => {
      const image = buildImage({ layers: [{ 'etc/dir': `${format} via skopeo\n` }] });
      await writeOciLayout(join(dir, 'fixture'), [{ top: image.manifest, refName: 'v1' }], [...image.blobs.values()]);
      await runSkopeo(['copy', '--quiet', '--format', format, `oci:${join(dir, 'fixture')}:v1`, `dir:${join(dir, 'copied')}`]);
      const store = await Store.open(join(dir, 'store'));
      const [pulled] = await pull(`dir:${join(dir, 'copied')}`, { store });
      assert.equal(pulled!.id, image.id);
      assert.deepEqual(pulled!.names, []);
      const info = await describeImage(store, (await store.lookup(image.id))!);
      assert.equal(info.ManifestType, manifestType);
      assert.deepEqual(info.RootFS?.Layers, image.diffIds);
    }));
}
