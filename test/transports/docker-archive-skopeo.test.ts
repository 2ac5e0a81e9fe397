import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pull } from '../../src/engine/index.js';
import { Store } from '../../src/store/index.js';
import { dockerArchive, zstdFrame, type ArchiveImageSpec } from '../helpers/archives.js';
import { runSkopeo } from '../helpers/cli.js';
import { blobOf, buildImage, OCI_LAYER_ZSTD, sha256, writeOciLayout, type FixtureImage } from '../helpers/images.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

// Interop with a real peer: hoist and skopeo read the same docker archives as the same images.
// These tests fail (never skip) when skopeo is missing: see runSkopeo.

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

interface SkopeoManifest {
  config: { digest: string };
  layers: { digest: string; size: number }[];
}
const skopeoManifest = async (reference: string) => JSON.parse((await runSkopeo(['inspect', '--raw', reference])).stdout) as SkopeoManifest;

test('pulls what skopeo copy writes to docker-archive:, with the ID skopeo reports', async () => {
  const image = buildImage();
  const layout = join(dir, 'layout');
  await writeOciLayout(layout, [{ top: image.manifest, refName: 'v1' }], image.blobs.values());
  const archive = join(dir, 'skopeo.tar');
  await runSkopeo(['copy', '--quiet', `oci:${layout}:v1`, `docker-archive:${archive}:example.com/app:1`]);

  const root = join(dir, 'store');
  const [pulled] = await pull(`docker-archive:${archive}`, { root });
  const config = (await runSkopeo(['inspect', '--config', '--raw', `docker-archive:${archive}`])).stdout;
  assert.equal(pulled!.id, sha256(config).slice(7));
  assert.equal(pulled!.id, image.id);
  assert.deepEqual(pulled!.names, ['example.com/app:1']);
  const store = await Store.open(root);
  const ours = await store.manifestOf((await store.lookup('example.com/app:1'))!);
  const theirs = await skopeoManifest(`docker-archive:${archive}`);
  assert.deepEqual(
    ours.layers.map((l) => [l.digest, l.size]),
    theirs.layers.map((l) => [l.digest, l.size]),
  );
});

async function sameIdAsSkopeo(name: string, bytes: Buffer, selector = ''): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const theirs = await skopeoManifest(`docker-archive:${path}${selector}`);
  const [ours] = await pull(`docker-archive:${path}${selector}`, { root: join(dir, `store-${name}`) });
  assert.equal(`sha256:${ours!.id}`, theirs.config.digest, name);
}

// Not a gzip-compressed archive: skopeo 1.9 fails on those ("loading tar component manifest.json:
// unexpected EOF"); docker-archive.test.ts checks that hoist pulls one as the plain archive's image.
test('skopeo reads hoist fixture archives as the same images hoist pulls', async () => {
  const plain = buildImage({ uncompressed: true, format: 'docker' });
  const gzipLayers = buildImage({ format: 'docker', labels: { kind: 'gzip' } });
  const zstd: FixtureImage = { ...plain, layers: [plain.layers[0]!, blobOf(zstdFrame(plain.layers[1]!.data), OCI_LAYER_ZSTD)] };
  const spec = (image: FixtureImage, tag: string): ArchiveImageSpec => ({ image, repoTags: [tag] });
  await sameIdAsSkopeo('plain.tar', dockerArchive([spec(plain, 'plain:1')]));
  await sameIdAsSkopeo('gzip-layers.tar', dockerArchive([spec(gzipLayers, 'gz:1')]));
  await sameIdAsSkopeo('zstd-layer.tar', dockerArchive([spec(zstd, 'zstd:1')]));
  await sameIdAsSkopeo('docker25.tar', dockerArchive([spec(gzipLayers, 'gz:1')], 'docker25'));
  const multi = dockerArchive([spec(plain, 'plain:1'), spec(gzipLayers, 'gz:1')]);
  await sameIdAsSkopeo('multi-position.tar', multi, ':@1');
  await sameIdAsSkopeo('multi-tag.tar', multi, ':gz:1');
});
