import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pull } from '../../src/engine/index.js';
import { buildImage, buildIndex, writeOciLayout } from '../helpers/images.js';
import { runSkopeo } from '../helpers/cli.js';
import { withTempDir } from '../helpers/tmp.js';

// Interop with a real peer. These tests fail (never skip) when skopeo is missing: see runSkopeo.

const image = buildImage({ layers: [{ 'etc/interop': 'written by skopeo\n' }, { 'usr/bin/tool': 'x'.repeat(5000) }], labels: { peer: 'skopeo' } });

test('a layout written by skopeo copy oci: → oci: is pulled with the same ID', () =>
  withTempDir(async (dir) => {
    await writeOciLayout(join(dir, 'fixture'), [{ top: image.manifest, refName: 'v1' }], [...image.blobs.values()]);
    await runSkopeo(['copy', '--quiet', `oci:${join(dir, 'fixture')}:v1`, `oci:${join(dir, 'copied')}:v2`]);
    const [pulled] = await pull(`oci:${join(dir, 'copied')}:v2`, { root: join(dir, 'store') });
    assert.deepEqual(pulled, { id: image.id, names: ['localhost/copied:v2'], manifestDigest: image.manifest.digest });
  }));

test('a multi-platform layout written by skopeo copy --all is pulled for the chosen platform', () =>
  withTempDir(async (dir) => {
    const arm64 = buildImage({ layers: [{ arm: 'arm64' }], architecture: 'arm64', variant: 'v8' });
    const s390x = buildImage({ layers: [{ s: 's390x' }], architecture: 's390x' });
    const { index } = buildIndex([arm64, s390x]);
    await writeOciLayout(join(dir, 'fixture'), [{ top: index, refName: 'multi' }], [index, ...arm64.blobs.values(), ...s390x.blobs.values()]);
    await runSkopeo(['copy', '--quiet', '--all', `oci:${join(dir, 'fixture')}:multi`, `oci:${join(dir, 'copied')}:multi`]);
    const [pulled] = await pull(`oci:${join(dir, 'copied')}:multi`, { root: join(dir, 'store'), platform: { platform: 'linux/s390x' } });
    assert.equal(pulled!.id, s390x.id);
  }));

test('skopeo reads an image hoist pulled: skopeo inspect oci:$ROOT:<full name>', () =>
  withTempDir(async (dir) => {
    const root = join(dir, 'store');
    await writeOciLayout(join(dir, 'hello'), [{ top: image.manifest, refName: '1.0' }], [...image.blobs.values()]);
    await pull(`oci:${join(dir, 'hello')}:1.0`, { root });
    const inspected = JSON.parse((await runSkopeo(['inspect', `oci:${root}:localhost/hello:1.0`])).stdout) as Record<string, unknown>;
    assert.equal(inspected.Digest, image.manifest.digest);
    assert.deepEqual(
      inspected.Layers,
      image.layers.map((l) => l.digest),
    );
    assert.deepEqual(inspected.Labels, { peer: 'skopeo' });
    assert.equal(inspected.Architecture, 'amd64');
    const config = JSON.parse((await runSkopeo(['inspect', '--config', `oci:${root}:localhost/hello:1.0`])).stdout) as unknown;
    assert.deepEqual(config, JSON.parse(image.config.data.toString()));
    // skopeo can copy it out whole: every blob is there and verifies.
    await runSkopeo(['copy', '--quiet', `oci:${root}:localhost/hello:1.0`, `dir:${join(dir, 'out')}`]);
  }));
