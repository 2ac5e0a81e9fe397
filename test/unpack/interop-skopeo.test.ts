import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runSkopeo } from '../helpers/cli.js';
import { buildGnuTarImage, type GnuTarImage } from '../helpers/gnu-tar-image.js';
import { OCI_LAYER_ZSTD } from '../helpers/images.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { snapshotTree, type Tree } from '../helpers/tree.js';
import {
  assertRuntimeConfigLikeUmoci,
  assertSameTree,
  hoistCli,
  readRuntimeConfig,
  umociUnpack,
  type HoistCli,
  type RuntimeConfig,
} from './interop-support.js';

// Interop with skopeo as the writer of the image (oci:, dir:, and a zstd push to a real registry)
// and umoci as the reference unpacker of the same layers, which GNU tar wrote from real files.
// Fails, never skips, without skopeo, umoci or docker-registry.

let scratch: string;
let image: GnuTarImage;
let hoist: HoistCli;
/** umoci's unpack of the original (gzip) layout: what every copy must unpack to. */
let reference: Tree;
let umociConfig: RuntimeConfig;

before(async () => {
  scratch = await makeTempDir();
  image = await buildGnuTarImage(join(scratch, 'fixture'));
  hoist = await hoistCli(scratch);
  ({ tree: reference, config: umociConfig } = await umociUnpack(`${image.layout}:${image.tag}`, join(scratch, 'umoci')));
});
after(() => removeDir(scratch));

describe('hoist unpack of images skopeo wrote, against umoci unpack', () => {
  test('skopeo copy oci: → oci:', async () => {
    const copied = join(scratch, 'skopeo-oci');
    await runSkopeo(['copy', '--quiet', `oci:${image.layout}:${image.tag}`, `oci:${copied}:v1`]);
    await hoist.pull(`oci:${copied}:v1`);
    const dir = join(scratch, 'hoist-oci');
    await hoist.unpack('localhost/skopeo-oci:v1', dir);
    assertSameTree(reference, await snapshotTree(dir), ['umoci', 'hoist']);
    // A config with PATH in Env, a numeric User without a group, and no author, ports or volumes.
    const bundle = join(scratch, 'hoist-oci-bundle');
    await hoist.unpack('localhost/skopeo-oci:v1', bundle, ['--bundle']);
    assertSameTree(reference, await snapshotTree(join(bundle, 'rootfs')), ['umoci', 'hoist']);
    assertRuntimeConfigLikeUmoci(await readRuntimeConfig(bundle), umociConfig);
  });

  test('skopeo copy --format v2s2 oci: → dir: (Docker media types, unnamed in the store)', async () => {
    const copied = join(scratch, 'skopeo-dir');
    await runSkopeo(['copy', '--quiet', '--format', 'v2s2', `oci:${image.layout}:${image.tag}`, `dir:${copied}`]);
    const id = await hoist.pull(`dir:${copied}`);
    const dir = join(scratch, 'hoist-dir');
    await hoist.unpack(id, dir);
    assertSameTree(reference, await snapshotTree(dir), ['umoci', 'hoist']);
  });
});

describe('a zstd image that skopeo pushed to a registry', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('skopeo copy --dest-compress-format zstd, hoist pull, hoist unpack: the gzip image’s tree', async () => {
    const name = `${registry.host}/interop/zstd:v1`;
    await runSkopeo(['copy', '--quiet', '--dest-compress-format', 'zstd', '--dest-tls-verify=false', `oci:${image.layout}:${image.tag}`, `docker://${name}`]);
    const manifest = JSON.parse((await runSkopeo(['inspect', '--raw', '--tls-verify=false', `docker://${name}`])).stdout) as {
      layers: { mediaType: string }[];
    };
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      [OCI_LAYER_ZSTD, OCI_LAYER_ZSTD],
      'skopeo pushed zstd layers',
    );
    await hoist.pull(name, ['--tls-verify=false']);
    const dir = join(scratch, 'hoist-zstd');
    await hoist.unpack(name, dir);
    assertSameTree(reference, await snapshotTree(dir), ['umoci (gzip)', 'hoist (zstd)']);
  });
});
