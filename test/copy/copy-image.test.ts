import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { copyImage } from '../../src/copy/index.js';
import type { ChunkSink } from '../../src/io/chunk-sink.js';
import type { Descriptor } from '../../src/manifest/index.js';
import type { CopyEvent } from '../../src/progress/index.js';
import type { ImageSource, RawManifest } from '../../src/transports/index.js';
import { buildImage, buildIndex, sha256, type Blob } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../store/fixtures.js';

/**
 * An in-memory source over fixture blobs, playing a remote one, counting blob opens; `replace` serves other bytes for a
 * digest, the first `replaceTimes` times it is read (every time by default).
 */
class MemorySource implements ImageSource {
  readonly description = 'mem:test';
  /** As a registry: a blob that fails its digest is worth fetching again. */
  readonly remote = true;
  readonly opened: string[] = [];
  constructor(
    private readonly top: Blob,
    private readonly blobs: Map<string, Blob>,
    private readonly replace: Map<string, Buffer> = new Map(),
    private readonly replaceTimes = Infinity,
  ) {}
  async getManifest(instanceDigest?: string): Promise<RawManifest> {
    const blob = instanceDigest === undefined ? this.top : this.blobs.get(instanceDigest)!;
    return { bytes: blob.data, mediaType: instanceDigest === undefined ? blob.mediaType : '', digest: blob.digest };
  }
  async readBlob(desc: Descriptor, sink: ChunkSink): Promise<void> {
    this.opened.push(desc.digest);
    const replaced = this.opened.filter((d) => d === desc.digest).length <= this.replaceTimes ? this.replace.get(desc.digest) : undefined;
    await sink(replaced ?? this.blobs.get(desc.digest)!.data);
  }
  async close(): Promise<void> {}
}

const host = { os: 'linux', architecture: 'amd64' };
const names: string[] = [];
const image = buildImage({ layers: [{ a: 'a' }, { b: 'b' }, { c: 'c' }] });

test('copyImage copies config and layers, then the manifest, reporting each step', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const events: CopyEvent[] = [];
    const copied = await copyImage(new MemorySource(image.manifest, image.blobs), store, {
      platform: host,
      names: ['localhost/test:1'],
      onEvent: (e) => events.push(e),
    });
    assert.equal(copied.id, image.id);
    assert.deepEqual(copied.names, ['localhost/test:1']);
    assert.deepEqual((await store.lookup('localhost/test:1'))?.id, image.id, 'the copy is recorded under its names');
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
    const progress = events.filter(
      (e): e is Extract<CopyEvent, { type: 'blob-progress' }> => e.type === 'blob-progress' && e.digest === image.layers[0]!.digest,
    );
    assert.equal(progress.at(-1)?.bytes, image.layers[0]!.size);
  }));

test('copyImage skips blobs already stored, without opening them', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await copyImage(new MemorySource(image.manifest, image.blobs), store, { platform: host, names });
    const again = new MemorySource(image.manifest, image.blobs);
    const events: CopyEvent[] = [];
    await copyImage(again, store, { platform: host, names, onEvent: (e) => events.push(e) });
    assert.deepEqual(again.opened, []);
    const done = events.filter((e) => e.type === 'blob-done');
    assert.equal(done.length, 4);
    assert.ok(done.every((e) => e.type === 'blob-done' && e.skipped));
  }));

test('a blob that fails verification twice fails the copy, records nothing, and keeps the blobs it verified', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const other = buildImage({ layers: [{ other: 'x' }] });
    await copyImage(new MemorySource(other.manifest, other.blobs), store, { platform: host, names: ['localhost/other:1'] });
    const before = await storeSnapshot(store.root);
    const bad = image.layers[2]!;
    const corrupt = Buffer.from(bad.data);
    corrupt[corrupt.length - 1] ^= 1;
    const source = new MemorySource(image.manifest, image.blobs, new Map([[bad.digest, corrupt]]));
    const warnings: string[] = [];
    await assert.rejects(
      copyImage(source, store, {
        platform: host,
        names: ['localhost/test:1'],
        maxParallel: 1,
        onEvent: (e) => e.type === 'warning' && warnings.push(`${e.code}: ${e.message}`),
      }),
      {
        code: 'DIGEST_MISMATCH',
        message: `digest mismatch for blob: expected ${bad.digest}, got ${sha256(corrupt)}`,
      },
    );
    assert.equal(source.opened.filter((d) => d === bad.digest).length, 2, 'the bad blob was fetched once more before giving up');
    assert.deepEqual(warnings, [`DIGEST_REFETCH: digest mismatch for blob: expected ${bad.digest}, got ${sha256(corrupt)}; fetching the blob once more`]);
    const after = await storeSnapshot(store.root);
    assert.equal(after.index, before.index, 'no image was recorded');
    assert.deepEqual(after.tmp, [], 'nothing half-written is left');
    const verified = [image.config.digest, image.layers[0]!.digest, image.layers[1]!.digest];
    assert.deepEqual(after.blobs, [...before.blobs, ...verified].sort(), 'the verified blobs stay, so the next try need not fetch them');
    const again = new MemorySource(image.manifest, image.blobs);
    await copyImage(again, store, { platform: host, names: ['localhost/test:1'] });
    assert.deepEqual(again.opened, [bad.digest], 'the next copy fetches only the blob that was bad');
  }));

test('a blob that fails verification once is fetched again and the copy succeeds', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const bad = image.layers[0]!;
    const corrupt = Buffer.from(bad.data);
    corrupt[0] ^= 1;
    const source = new MemorySource(image.manifest, image.blobs, new Map([[bad.digest, corrupt]]), 1);
    const copied = await copyImage(source, store, { platform: host, names: ['localhost/test:1'] });
    assert.equal(copied.id, image.id);
    assert.equal(source.opened.filter((d) => d === bad.digest).length, 2);
    assert.equal(sha256(await readFile(store.paths.blob(bad.digest))), bad.digest);
  }));

test('a config larger than any image config is refused by its descriptor, before it is read', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const huge = { ...JSON.parse(image.manifest.data.toString()), config: { ...image.config, size: 100 * 1024 * 1024 } };
    const data = Buffer.from(JSON.stringify(huge));
    const top: Blob = { ...image.manifest, data, digest: sha256(data), size: data.length };
    const source = new MemorySource(top, image.blobs);
    await assert.rejects(copyImage(source, store, { platform: host, names }), {
      code: 'INVALID_MANIFEST',
      message: 'mem:test: the config declares 104857600 bytes, more than the 4194304 an image config may have',
    });
    assert.deepEqual(source.opened, []);
  }));

test("an index entry whose size is not its manifest's is refused", () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const doc = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size + 1, platform: host }],
    };
    const data = Buffer.from(JSON.stringify(doc));
    const index: Blob = { mediaType: doc.mediaType, data, digest: sha256(data), size: data.length };
    await assert.rejects(
      copyImage(new MemorySource(index, new Map([[image.manifest.digest, image.manifest], ...image.blobs])), store, { platform: host, names }),
      {
        code: 'SIZE_MISMATCH',
        message: `mem:test: index entry ${image.manifest.digest} declares ${image.manifest.size + 1} bytes, the manifest has ${image.manifest.size}`,
      },
    );
  }));

test('copyImage takes the platform instance of an index and records the index digest', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const amd64 = buildImage({ layers: [{ x: 'amd64' }] });
    const arm64 = buildImage({ layers: [{ x: 'arm64' }], architecture: 'arm64', variant: 'v8' });
    const { index } = buildIndex([amd64, arm64]);
    const blobs = new Map([...amd64.blobs, ...arm64.blobs]);
    const copied = await copyImage(new MemorySource(index, blobs), store, { platform: { os: 'linux', architecture: 'arm64' }, names: ['localhost/multi:1'] });
    assert.equal(copied.id, arm64.id);
    assert.deepEqual(copied.indexDigests, { 'localhost/multi:1': index.digest });
    assert.deepEqual(copied.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal(await store.hasBlob(amd64.config.digest), false);
  }));

test('an index entry that is itself an index is refused', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const inner = buildIndex([image]).index;
    const doc = { schemaVersion: 2, manifests: [{ mediaType: inner.mediaType, digest: inner.digest, size: inner.size, platform: host }] };
    const outer: Blob = { ...inner, data: Buffer.from(JSON.stringify(doc)), digest: sha256(JSON.stringify(doc)) };
    await assert.rejects(copyImage(new MemorySource(outer, new Map([[inner.digest, inner], ...image.blobs])), store, { platform: host, names }), {
      code: 'INVALID_MANIFEST',
      message: `mem:test: index entry ${inner.digest} is itself an index`,
    });
  }));

test('an image for another platform is copied with a warning', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const arm = buildImage({ architecture: 'arm', variant: 'v7' });
    const warnings: string[] = [];
    await copyImage(new MemorySource(arm.manifest, arm.blobs), store, {
      platform: host,
      names,
      onEvent: (e) => e.type === 'warning' && warnings.push(`${e.code}: ${e.message}`),
    });
    assert.deepEqual(warnings, ['PLATFORM_MISMATCH: image platform (linux/arm/v7) does not match the expected platform (linux/amd64)']);
  }));

test('an rmi run between the last blob of a copy and its record does not take the blobs the copy found stored', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await copyImage(new MemorySource(image.manifest, image.blobs), store, { platform: host, names: ['localhost/a:1'] });
    // The same image under another name: every blob is found stored and skipped. Just before the
    // record is written, an rmi removes the only image that referenced them.
    const racing = new Proxy(store, {
      get(target, prop) {
        if (prop === 'commitImage') {
          return async (...args: Parameters<Store['commitImage']>) => {
            await target.remove(['localhost/a:1']);
            return target.commitImage(...args);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const again = new MemorySource(image.manifest, image.blobs);
    const copied = await copyImage(again, racing, { platform: host, names: ['localhost/b:1'] });
    assert.deepEqual(again.opened, [], 'every blob was found stored');
    assert.deepEqual(copied.names, ['localhost/b:1']);
    assert.equal(await store.isComplete(copied), true, 'the rmi left every blob the new record needs');
  }));
