import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyImage } from '../../src/copy/index.js';
import type { ChunkSink } from '../../src/io/chunk-sink.js';
import type { Descriptor } from '../../src/manifest/index.js';
import type { ImageSource, RawManifest } from '../../src/source/image-source.js';
import type { Store } from '../../src/store/index.js';
import { buildImage, buildIndex, sha256, type Blob } from '../helpers/images.js';
import { storeSnapshot, withTempDir } from '../helpers/tmp.js';
import { openStore } from '../store/fixtures.js';

// A third-party ImageSource may claim anything: the copier is the one owner of verification, so
// each lie below must be caught by copyImage itself, before the image is recorded. Every source
// transport hoist has also verifies some of this on its own; this source verifies nothing.

const host = { os: 'linux', architecture: 'amd64' };
const image = buildImage({ layers: [{ a: 'layer a' }, { b: 'layer b' }] });
const other = buildImage({ layers: [{ z: 'another image' }] });

interface Lies {
  /** What getManifest returns, by instance digest ('' for the top level). */
  manifests?: Map<string, RawManifest>;
  /** Bytes readBlob delivers instead of the blob's. */
  blobs?: Map<string, Buffer>;
  pinned?: { digest: string; size?: number };
}

class LyingSource implements ImageSource {
  readonly description = 'liar:test';
  readonly pinned: { digest: string; size?: number } | undefined;
  constructor(
    private readonly top: Blob,
    private readonly store: Map<string, Blob>,
    private readonly lies: Lies,
  ) {
    this.pinned = lies.pinned;
  }
  async getManifest(instanceDigest?: string): Promise<RawManifest> {
    const lie = this.lies.manifests?.get(instanceDigest ?? '');
    if (lie !== undefined) return lie;
    const blob = instanceDigest === undefined ? this.top : this.store.get(instanceDigest)!;
    return { bytes: blob.data, mediaType: blob.mediaType, digest: blob.digest };
  }
  async readBlob(desc: Descriptor, sink: ChunkSink): Promise<void> {
    await sink(this.lies.blobs?.get(desc.digest) ?? this.store.get(desc.digest)!.data);
  }
  async close(): Promise<void> {}
}

async function refused(store: Store, source: ImageSource, code: string, message: RegExp): Promise<void> {
  await assert.rejects(copyImage(source, store, { platform: host, names: ['localhost/liar:1'] }), (err: unknown) => {
    assert.equal((err as { code?: string }).code, code, String(err));
    assert.match((err as Error).message, message);
    return true;
  });
  assert.deepEqual(await store.images(), [], 'nothing is recorded');
}

const raw = (blob: Blob, digest = blob.digest): RawManifest => ({ bytes: blob.data, mediaType: blob.mediaType, digest });

test('a manifest whose bytes are not the digest the source reports is refused', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const lie = raw(other.manifest, image.manifest.digest);
    await refused(
      store,
      new LyingSource(image.manifest, image.blobs, { manifests: new Map([['', lie]]) }),
      'DIGEST_MISMATCH',
      /\(the digest the source reported\): expected sha256:/,
    );
    assert.deepEqual((await storeSnapshot(store.root)).blobs, [], 'no blob of the lying image was read');
  }));

test('a manifest other than the one the name pins is refused, and one of another size', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    await refused(
      store,
      new LyingSource(other.manifest, other.blobs, { pinned: { digest: image.manifest.digest } }),
      'DIGEST_MISMATCH',
      new RegExp(`expected ${image.manifest.digest}`),
    );
    const padded = { digest: image.manifest.digest, size: image.manifest.size + 1 };
    await refused(
      store,
      new LyingSource(image.manifest, image.blobs, { pinned: padded }),
      'SIZE_MISMATCH',
      /liar:test: the entry for sha256:[0-9a-f]{64} declares \d+ bytes, the manifest has/,
    );
  }));

test('an index instance other than the index entry asked for is refused', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const { index } = buildIndex([image]);
    // An honest digest for the bytes it sends, but not the bytes asked for.
    const swapped = new Map([[image.manifest.digest, raw(other.manifest)]]);
    await refused(
      store,
      new LyingSource(index, new Map([...image.blobs, ...other.blobs]), { manifests: swapped }),
      'DIGEST_MISMATCH',
      new RegExp(`manifest in liar:test: expected ${image.manifest.digest}`),
    );
  }));

test('a config or layer with other bytes, more bytes or fewer bytes is refused and not stored', () =>
  withTempDir(async (dir) => {
    const layer = image.layers[1]!;
    const cases: [Map<string, Buffer>, string][] = [
      [new Map([[image.config.digest, Buffer.alloc(image.config.size, 0x20)]]), 'DIGEST_MISMATCH'],
      [new Map([[layer.digest, Buffer.alloc(layer.size, 1)]]), 'DIGEST_MISMATCH'],
      [new Map([[layer.digest, Buffer.concat([layer.data, Buffer.from('x')])]]), 'SIZE_MISMATCH'],
      [new Map([[layer.digest, layer.data.subarray(1)]]), 'SIZE_MISMATCH'],
    ];
    for (const [i, [blobs, code]] of cases.entries()) {
      // A store of its own each: a failed copy keeps the blobs it verified, which a later copy skips.
      const store = await openStore(`${dir}/${i}`);
      await refused(store, new LyingSource(image.manifest, image.blobs, { blobs }), code, /mismatch for blob/);
      const [lied] = blobs.keys();
      assert.equal(await store.hasBlob(lied!), false);
    }
  }));

test('the honest source of the same image copies', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const record = await copyImage(
      new LyingSource(image.manifest, image.blobs, { pinned: { digest: image.manifest.digest, size: image.manifest.size } }),
      store,
      {
        platform: host,
        names: ['localhost/liar:1'],
      },
    );
    assert.equal(record.id, image.id);
    assert.equal(sha256(image.manifest.data), record.manifestDigest);
  }));
