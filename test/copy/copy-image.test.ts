import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyImage } from '../../src/copy/index.js';
import type { ChunkSink } from '../../src/io/chunk-sink.js';
import type { Descriptor } from '../../src/manifest/index.js';
import type { CopyEvent } from '../../src/progress/index.js';
import type { ImageSource, RawManifest } from '../../src/transports/index.js';
import { buildImage, buildIndex, sha256, type Blob } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';
import { openStore } from '../store/fixtures.js';

/** An in-memory source over fixture blobs, counting blob opens; `replace` serves other bytes for a digest. */
class MemorySource implements ImageSource {
  readonly description = 'mem:test';
  readonly opened: string[] = [];
  constructor(
    private readonly top: Blob,
    private readonly blobs: Map<string, Blob>,
    private readonly replace: Map<string, Buffer> = new Map(),
  ) {}
  async getManifest(instanceDigest?: string): Promise<RawManifest> {
    const blob = instanceDigest === undefined ? this.top : this.blobs.get(instanceDigest)!;
    return { bytes: blob.data, mediaType: instanceDigest === undefined ? blob.mediaType : '', digest: blob.digest };
  }
  async readBlob(desc: Descriptor, sink: ChunkSink): Promise<void> {
    this.opened.push(desc.digest);
    await sink(this.replace.get(desc.digest) ?? this.blobs.get(desc.digest)!.data);
  }
  async close(): Promise<void> {}
}

const host = { os: 'linux', architecture: 'amd64' };
const image = buildImage({ layers: [{ a: 'a' }, { b: 'b' }, { c: 'c' }] });

test('copyImage copies config and layers, then the manifest, reporting each step', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const events: CopyEvent[] = [];
    const copied = await copyImage(new MemorySource(image.manifest, image.blobs), store, { platform: host, onEvent: (e) => events.push(e) });
    assert.equal(copied.id, image.id);
    assert.equal(copied.manifestDigest, image.manifest.digest);
    assert.equal(copied.manifestSize, image.manifest.size);
    assert.deepEqual(copied.platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual((await storeSnapshot(store.root)).blobs, [...image.blobs.keys()].sort());
    const steps = events.filter((e) => e.type !== 'blob-progress').map((e) => ('digest' in e ? `${e.type} ${e.kind} ${e.digest}` : e.type));
    assert.equal(steps[0], 'copy-start');
    const blobs = [`config ${image.config.digest}`, ...image.layers.map((l) => `layer ${l.digest}`)];
    assert.deepEqual(steps.slice(1, -1).sort(), blobs.flatMap((blob) => [`blob-done ${blob}`, `blob-start ${blob}`]).sort());
    for (const blob of blobs) assert.ok(steps.indexOf(`blob-start ${blob}`) < steps.indexOf(`blob-done ${blob}`), blob);
    assert.equal(steps.at(-1), 'manifest-write');
    const progress = events.filter((e): e is Extract<CopyEvent, { type: 'blob-progress' }> => e.type === 'blob-progress' && e.digest === image.layers[0]!.digest);
    assert.equal(progress.at(-1)?.bytes, image.layers[0]!.size);
  }));

test('copyImage skips blobs already stored, without opening them', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await copyImage(new MemorySource(image.manifest, image.blobs), store, { platform: host });
    const again = new MemorySource(image.manifest, image.blobs);
    const events: CopyEvent[] = [];
    await copyImage(again, store, { platform: host, onEvent: (e) => events.push(e) });
    assert.deepEqual(again.opened, []);
    const done = events.filter((e) => e.type === 'blob-done');
    assert.equal(done.length, 4);
    assert.ok(done.every((e) => e.type === 'blob-done' && e.skipped));
  }));

test('a blob that fails verification fails the copy and leaves the store as it was', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    // Another image shares nothing; its blobs must survive the failed copy.
    const other = buildImage({ layers: [{ other: 'x' }] });
    await copyImage(new MemorySource(other.manifest, other.blobs), store, { platform: host });
    const before = await storeSnapshot(store.root);
    const bad = image.layers[2]!;
    const corrupt = Buffer.from(bad.data);
    corrupt[corrupt.length - 1] ^= 1;
    const source = new MemorySource(image.manifest, image.blobs, new Map([[bad.digest, corrupt]]));
    await assert.rejects(copyImage(source, store, { platform: host, maxParallel: 1 }), {
      code: 'DIGEST_MISMATCH',
      message: `digest mismatch for blob: expected ${bad.digest}, got ${sha256(corrupt)}`,
    });
    assert.ok(source.opened.length > 2, 'config and other layers were copied before the failure');
    assert.deepEqual(await storeSnapshot(store.root), before);
  }));

test('blobs of a failed copy that another pull in flight needs are kept', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const endOther = await store.markInFlight([image.config.digest]);
    const corrupt = Buffer.from('not the layer');
    const source = new MemorySource(image.manifest, image.blobs, new Map([[image.layers[0]!.digest, corrupt]]));
    await assert.rejects(copyImage(source, store, { platform: host, maxParallel: 1 }), { code: 'SIZE_MISMATCH' });
    assert.deepEqual((await storeSnapshot(store.root)).blobs, [image.config.digest]);
    await endOther();
  }));

test('copyImage takes the platform instance of an index and records the index digest', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const amd64 = buildImage({ layers: [{ x: 'amd64' }] });
    const arm64 = buildImage({ layers: [{ x: 'arm64' }], architecture: 'arm64', variant: 'v8' });
    const { index } = buildIndex([amd64, arm64]);
    const blobs = new Map([...amd64.blobs, ...arm64.blobs]);
    const copied = await copyImage(new MemorySource(index, blobs), store, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(copied.id, arm64.id);
    assert.equal(copied.indexDigest, index.digest);
    assert.deepEqual(copied.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal(await store.hasBlob(amd64.config.digest), false);
  }));

test('an index entry that is itself an index is refused', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const inner = buildIndex([image]).index;
    const doc = { schemaVersion: 2, manifests: [{ mediaType: inner.mediaType, digest: inner.digest, size: inner.size, platform: host }] };
    const outer: Blob = { ...inner, data: Buffer.from(JSON.stringify(doc)), digest: sha256(JSON.stringify(doc)) };
    await assert.rejects(copyImage(new MemorySource(outer, new Map([[inner.digest, inner], ...image.blobs])), store, { platform: host }), {
      code: 'INVALID_MANIFEST',
      message: `mem:test: index entry ${inner.digest} is itself an index`,
    });
  }));

test('an image for another platform is copied with a warning', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const arm = buildImage({ architecture: 'arm', variant: 'v7' });
    const warnings: string[] = [];
    await copyImage(new MemorySource(arm.manifest, arm.blobs), store, { platform: host, onEvent: (e) => e.type === 'warning' && warnings.push(e.message) });
    assert.deepEqual(warnings, ['image platform (linux/arm/v7) does not match the expected platform (linux/amd64)']);
  }));
