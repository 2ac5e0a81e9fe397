import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';
import { registryEndpoint } from '../../src/transports/docker.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { blobOf, buildImage, buildIndex, OCI_LAYER_ZSTD, OCI_MANIFEST, sha256 } from '../helpers/images.js';
import { pushBlob, pushImage, pushIndex, pushManifest } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

const oci = buildImage({ layers: [{ 'oci.txt': 'an OCI image\n' }, { 'more.txt': 'second layer\n' }] });
const docker = buildImage({ format: 'docker', layers: [{ 'docker.txt': 'a Docker v2s2 image\n' }] });
const amd64 = buildImage({ architecture: 'amd64', layers: [{ 'arch.txt': 'amd64\n' }] });
const arm64 = buildImage({ architecture: 'arm64', variant: 'v8', layers: [{ 'arch.txt': 'arm64\n' }] });
const index = buildIndex([amd64, arm64]);

/** An image whose only layer is typed zstd: stored as received, never recompressed. */
const zstdLayer = blobOf(Buffer.from('28b52ffd0058610000', 'hex'), OCI_LAYER_ZSTD);
const zstdConfig = blobOf(
  JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('tar')] } }),
  'application/vnd.oci.image.config.v1+json',
);
const zstdManifest = blobOf(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: zstdConfig.mediaType, digest: zstdConfig.digest, size: zstdConfig.size },
    layers: [{ mediaType: zstdLayer.mediaType, digest: zstdLayer.digest, size: zstdLayer.size }],
  }),
  OCI_MANIFEST,
);

let scratch: Scratch;
let registry: RegistryHandle;
let proxy: FaultProxy;
const ref = (name: string) => `${registry.host}/${name}`;

before(async () => {
  scratch = await makeScratch();
  registry = await startRegistry();
  proxy = await startFaultProxy(registry);
  await pushImage(registry, 'fmt/oci', oci, 'v1');
  await pushImage(registry, 'fmt/docker', docker, 'v1');
  await pushIndex(registry, 'fmt/multi', index, 'v1');
  await pushBlob(registry, 'fmt/zstd', zstdLayer);
  await pushBlob(registry, 'fmt/zstd', zstdConfig);
  await pushManifest(registry, 'fmt/zstd', 'v1', zstdManifest);
  await pushImage(registry, 'tags/app', oci, ['a', 'b', 'c', 'd', 'e']);
});
after(async () => {
  await proxy.stop();
  await registry.stop();
  await scratch.remove();
});

const options = () => scratch.options({ insecure: true });

describe('formats', () => {
  test('OCI image: the ID is the config digest and every blob is stored verbatim', async () => {
    const { image, root } = await pull(scratch, ref('fmt/oci:v1'), options());
    assert.equal(image.id, oci.id);
    assert.equal(image.manifestDigest, oci.manifest.digest);
    for (const blob of [oci.config, ...oci.layers]) {
      assert.deepEqual(await readFile(join(root, 'blobs', 'sha256', blob.digest.slice(7))), blob.data);
    }
  });

  test('Docker v2s2 image', async () => {
    const { image } = await pull(scratch, ref('fmt/docker:v1'), options());
    assert.equal(image.id, docker.id);
    assert.equal(image.manifestMediaType, docker.manifest.mediaType);
  });

  test('multi-platform index: the wanted instance, with the index digest recorded', async () => {
    const { image } = await pull(scratch, ref('fmt/multi:v1'), options(), { os: 'linux', architecture: 'arm64' });
    assert.equal(image.id, arm64.id);
    assert.deepEqual(image.indexDigests, { [ref('fmt/multi:v1')]: index.index.digest });
    const other = await pull(scratch, ref('fmt/multi:v1'), options(), { os: 'linux', architecture: 'amd64' });
    assert.equal(other.image.id, amd64.id);
  });

  test('a platform the index lacks is an error listing what it offers', async () => {
    await assert.rejects(pull(scratch, ref('fmt/multi:v1'), options(), { os: 'linux', architecture: 's390x' }), (err: unknown) => {
      assert.ok(isHoistError(err, 'NO_MATCHING_PLATFORM'), String(err));
      assert.match(err.hint!, /linux\/arm64/);
      return true;
    });
  });

  test('a zstd-typed layer is stored as it is', async () => {
    const { image, store, root } = await pull(scratch, ref('fmt/zstd:v1'), options());
    assert.equal((await store.manifestOf(image)).layers[0]!.mediaType, OCI_LAYER_ZSTD);
    assert.deepEqual(await readFile(join(root, 'blobs', 'sha256', zstdLayer.digest.slice(7))), zstdLayer.data);
  });
});

describe('by digest', () => {
  test('pulls the manifest with exactly that digest', async () => {
    const { image } = await pull(scratch, `${ref('fmt/oci')}@${oci.manifest.digest}`, options());
    assert.equal(image.manifestDigest, oci.manifest.digest);
  });

  test('an instance of an index by digest', async () => {
    const { image } = await pull(scratch, `${ref('fmt/multi')}@${arm64.manifest.digest}`, options(), { os: 'linux', architecture: 'arm64' });
    assert.equal(image.id, arm64.id);
  });

  test('bytes that do not hash to the requested digest are refused', async () => {
    proxy.inject({
      method: 'GET',
      path: new RegExp(`/manifests/${oci.manifest.digest}`),
      fault: { kind: 'replace', body: docker.manifest.data.toString(), contentType: docker.manifest.mediaType },
      times: 1,
    });
    await assert.rejects(pull(scratch, `${proxy.host}/fmt/oci@${oci.manifest.digest}`, options()), (err: unknown) => {
      assert.ok(isHoistError(err, 'DIGEST_MISMATCH'), String(err));
      assert.match(err.message, new RegExp(`expected ${oci.manifest.digest}.*got ${docker.manifest.digest}`));
      return true;
    });
  });

  test('by tag, bytes that contradict Docker-Content-Digest are refused', async () => {
    proxy.inject({ method: 'GET', path: /\/fmt\/oci\/manifests\/v1$/, fault: { kind: 'corrupt' }, times: 1 });
    await assert.rejects(
      pull(scratch, `${proxy.host}/fmt/oci:v1`, options()),
      (err: unknown) => isHoistError(err, 'DIGEST_MISMATCH') && /Docker-Content-Digest/.test(err.message),
    );
  });
});

describe('refusals and error messages', () => {
  test('a schema 1 manifest gets a clear error', async () => {
    const schema1 = JSON.stringify({ schemaVersion: 1, name: 'fmt/old', tag: 'v1', fsLayers: [], history: [] });
    proxy.inject({
      method: 'GET',
      path: /\/fmt\/old\/manifests\/v1$/,
      fault: { kind: 'replace', body: schema1, contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
      times: 1,
    });
    await assert.rejects(pull(scratch, `${proxy.host}/fmt/old:v1`, options()), /schema 1 images are not supported/);
  });

  test('a Content-Type that contradicts the document is refused', async () => {
    proxy.inject({ method: 'GET', path: /\/fmt\/multi\/manifests\/v1$/, fault: { kind: 'content-type', value: OCI_MANIFEST }, times: 1 });
    await assert.rejects(
      pull(scratch, `${proxy.host}/fmt/multi:v1`, options()),
      (err: unknown) => isHoistError(err, 'INVALID_MANIFEST') && /content type/.test(err.message),
    );
  });

  test('unknown tag: manifest unknown, naming the reference', async () => {
    await assert.rejects(pull(scratch, ref('fmt/oci:nope'), options()), (err: unknown) => {
      assert.ok(isHoistError(err, 'MANIFEST_UNKNOWN'), String(err));
      assert.equal(err.message, `manifest unknown: ${ref('fmt/oci:nope')}`);
      return true;
    });
  });

  test('unknown repository in a tag listing: name unknown, quoting the registry', async () => {
    await assert.rejects(registryEndpoint(parseReference(ref('no/such')), options()).tags(), (err: unknown) => {
      assert.ok(isHoistError(err, 'NAME_UNKNOWN'), String(err));
      assert.match(err.message, new RegExp(`name unknown: ${ref('no/such')}: registry said "repository name not known to registry"`));
      return true;
    });
  });

  test('a missing blob: blob unknown, naming the digest', async () => {
    const source = await registryEndpoint(parseReference(ref('fmt/oci:v1')), options()).open();
    const digest = sha256('not there');
    await assert.rejects(
      source.readBlob({ mediaType: 'x', digest, size: 1 }, () => undefined),
      (err: unknown) => isHoistError(err, 'BLOB_UNKNOWN') && err.message.includes(digest),
    );
  });

  test('connection refused names host and port', async () => {
    await assert.rejects(registryEndpoint(parseReference('127.0.0.1:1/a/b:v1'), scratch.options({ retry: 0 })).open(), (err: unknown) => {
      assert.ok(isHoistError(err, 'CONNECTION_FAILED'), String(err));
      assert.equal(err.message, 'cannot connect to 127.0.0.1:1: connection refused');
      return true;
    });
  });

  test('DNS failure names the host', async () => {
    await assert.rejects(
      registryEndpoint(parseReference('registry.hoist-test.invalid/a/b:v1'), scratch.options({ retry: 0 })).open(),
      /cannot connect to registry\.hoist-test\.invalid:443: DNS lookup/,
    );
  });
});

describe('HEAD and tags', () => {
  test('manifestDigest reports Docker-Content-Digest without a GET', async () => {
    const before = proxy.requests.length;
    assert.equal(await registryEndpoint(parseReference(`${proxy.host}/fmt/multi:v1`), options()).manifestDigest(), index.index.digest);
    const made = proxy.requests.slice(before).filter((r) => r.path.includes('/manifests/'));
    assert.deepEqual(
      made.map((r) => r.method),
      ['HEAD'],
    );
  });

  test('tags returns every tag', async () => {
    assert.deepEqual((await registryEndpoint(parseReference(ref('tags/app')), options()).tags()).sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  test('tags follows Link pagination', async () => {
    proxy.inject({ method: 'GET', path: /\/tags\/app\/tags\/list/, fault: { kind: 'paginate-tags' }, times: 3 });
    const tags = await registryEndpoint(parseReference(`${proxy.host}/tags/app`), options()).tags(2);
    assert.deepEqual(tags, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(
      proxy
        .matching('GET', /\/tags\/list/)
        .slice(-3)
        .map((r) => r.path),
      ['/v2/tags/app/tags/list?n=2', '/v2/tags/app/tags/list?n=2&last=b', '/v2/tags/app/tags/list?n=2&last=d'],
    );
  });
});
