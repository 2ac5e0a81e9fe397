import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pull } from '../../src/engine/index.js';
import { runSkopeo } from '../helpers/cli.js';
import { buildImage, sha256, writeOciLayout } from '../helpers/images.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

// Interop with a real peer; fails (never skips) when skopeo is missing: see runSkopeo.

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

test('pulls what skopeo copy writes to oci-archive:, with the manifest and ID skopeo reports', async () => {
  const image = buildImage();
  const layout = join(dir, 'layout');
  await writeOciLayout(layout, [{ top: image.manifest, refName: 'v1' }], image.blobs.values());
  const archive = join(dir, 'skopeo.tar');
  await runSkopeo(['copy', '--quiet', `oci:${layout}:v1`, `oci-archive:${archive}:example.com/app:1`]);

  const [pulled] = await pull(`oci-archive:${archive}`, { root: join(dir, 'store') });
  assert.deepEqual(pulled, {
    id: sha256((await runSkopeo(['inspect', '--config', '--raw', `oci-archive:${archive}`])).stdout).slice(7),
    names: ['example.com/app:1'],
    manifestDigest: sha256((await runSkopeo(['inspect', '--raw', `oci-archive:${archive}`])).stdout),
  });
});
