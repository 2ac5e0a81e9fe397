import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyImage } from '../../src/copy/index.js';
import { pull } from '../../src/engine/index.js';
import { HoistError, isHoistError } from '../../src/errors.js';
import { hostPlatform } from '../../src/manifest/index.js';
import type { Store } from '../../src/store/index.js';
import { ociTransport } from '../../src/transports/oci.js';
import { layoutRefName } from '../../src/transports/oci-layout.js';
import { buildImage, buildIndex, writeOciLayout, type Blob, type FixtureImage } from '../helpers/images.js';
import { storeSnapshot, assertNothingRecorded, withTempDir } from '../helpers/tmp.js';
import { openStore } from '../store/fixtures.js';

const hello = buildImage({ layers: [{ 'etc/hello': 'hello\n' }, { 'etc/world': 'world\n' }] });
const other = buildImage({ layers: [{ 'etc/other': 'other\n' }] });
const blobsOf = (...images: FixtureImage[]) => images.flatMap((i) => [...i.blobs.values()]);

/** Writes a layout at DIR/NAME (a lowercase name, as the naming rule needs) and returns its path. */
async function layout(dir: string, entries: { top: Blob; refName?: string }[], blobs: Blob[], name = 'hello'): Promise<string> {
  const path = join(dir, name);
  await writeOciLayout(path, entries, blobs);
  return path;
}

/** Runs `fn` with a store (already holding one image) and a temp dir for layouts. */
function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const store = await openStore(dir);
    const seed = buildImage({ layers: [{ seed: 'already stored' }] });
    await pull(`oci:${await layout(dir, [{ top: seed.manifest, refName: 'seed' }], blobsOf(seed), 'seed')}:seed`, { store });
    await fn(store, dir);
  });
}

describe('oci: naming', () => {
  const named: Array<[ref: string, name: string]> = [
    ['1.0', 'localhost/hello:1.0'],
    ['latest', 'localhost/hello:latest'],
    ['docker.io/library/x:1', 'docker.io/library/x:1'],
    ['myapp:2', 'localhost/myapp:2'],
    ['team/app:3', 'localhost/team/app:3'],
    ['quay.io/a/b', 'quay.io/a/b:latest'],
  ];
  for (const [ref, name] of named) {
    test(`oci:PATH:${ref} names the image ${name}`, () =>
      withStore(async (store, dir) => {
        const path = await layout(
          dir,
          named.map(([r]) => ({ top: hello.manifest, refName: r })),
          blobsOf(hello),
        );
        const [pulled, ...more] = await pull(`oci:${path}:${ref}`, { store });
        assert.equal(more.length, 0);
        assert.deepEqual(pulled, { id: hello.id, names: [name], manifestDigest: hello.manifest.digest });
        const record = await store.lookup(name);
        assert.equal(record?.id, hello.id);
        assert.deepEqual(record?.names, [name]);
        assert.equal(await store.isComplete(record!), true);
      }));
  }

  test('without REF, the only image of a layout is pulled unnamed, known by its ID', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: hello.manifest, refName: '1.0' }], blobsOf(hello));
      assert.deepEqual(await pull(`oci:${path}`, { store }), [{ id: hello.id, names: [], manifestDigest: hello.manifest.digest }]);
      const record = await store.lookup(hello.id);
      assert.deepEqual(record?.names, []);
      assert.equal((await store.lookup(hello.id.slice(0, 12)))?.id, hello.id);
    }));

  test('@N picks the N-th image, unnamed', () =>
    withStore(async (store, dir) => {
      const path = await layout(
        dir,
        [
          { top: hello.manifest, refName: 'a' },
          { top: other.manifest, refName: 'b' },
        ],
        blobsOf(hello, other),
      );
      assert.deepEqual(await pull(`oci:${path}:@1`, { store }), [{ id: other.id, names: [], manifestDigest: other.manifest.digest }]);
      assert.equal((await pull(`oci:${path}:@0`, { store }))[0]!.id, hello.id);
    }));

  test('a pull into a store that does not exist yet creates it', () =>
    withTempDir(async (dir) => {
      const path = await layout(dir, [{ top: hello.manifest, refName: '1' }], blobsOf(hello));
      await mkdir(join(dir, 'parent'));
      const [pulled] = await pull(`oci:${path}:1`, { root: join(dir, 'parent', 'store') });
      assert.equal(pulled!.id, hello.id);
    }));

  test('the same pull through the transport and copyImage', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: hello.manifest, refName: '1.0' }], blobsOf(hello));
      const { source, names } = await ociTransport.open(ociTransport.parse(`${path}:1.0`), { tmpDir: store.paths.tmp });
      assert.deepEqual(names, ['localhost/hello:1.0']);
      assert.equal(source.description, `oci:${path}:1.0`);
      const record = await copyImage(source, store, { platform: hostPlatform(), names });
      await source.close();
      assert.equal(record.id, hello.id);
      assert.deepEqual((await store.lookup('hello:1.0'))?.names, ['localhost/hello:1.0']);
    }));
});

describe('oci: multi-platform indexes', () => {
  const host = hostPlatform();
  const native = buildImage({ layers: [{ arch: 'native' }], os: host.os, architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}) });
  const s390x = buildImage({ layers: [{ arch: 's390x' }], architecture: 's390x' });
  const { index } = buildIndex([s390x, native]);

  test('a nested index resolves to the host platform instance, recording the index digest', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: index, refName: 'multi' }], [index, ...blobsOf(native, s390x)]);
      const events: string[] = [];
      const [pulled] = await pull(`oci:${path}:multi`, { store, onEvent: (e) => events.push(e.type) });
      assert.equal(pulled!.id, native.id);
      const record = await store.lookup('hello:multi');
      assert.equal(record?.indexDigests['localhost/hello:multi'], index.digest);
      assert.equal(record?.manifestDigest, native.manifest.digest);
      assert.equal(await store.hasBlob(s390x.config.digest), false, 'the other platform is not copied');
      // pull() ends with its summary (issue 13), after the copy's own last events.
      assert.deepEqual([events[0], events.at(-3), events.at(-2), events.at(-1)], ['copy-start', 'manifest-write', 'copy-done', 'pull-done']);
    }));

  test('--platform chooses another instance', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: index, refName: 'multi' }], [index, ...blobsOf(native, s390x)]);
      const [pulled] = await pull(`oci:${path}:multi`, { store, platform: { platform: 'linux/s390x' } });
      assert.equal(pulled!.id, s390x.id);
      assert.deepEqual((await store.lookup(s390x.id))?.platform, { os: 'linux', architecture: 's390x' });
    }));

  test('no matching platform fails, listing what the index offers, and changes nothing', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: index, refName: 'multi' }], [index, ...blobsOf(native, s390x)]);
      const before = await storeSnapshot(store.root);
      await assert.rejects(pull(`oci:${path}:multi`, { store, platform: { platform: 'linux/ppc64le' } }), (err: unknown) => {
        assert.ok(err instanceof HoistError);
        assert.equal(err.code, 'NO_MATCHING_PLATFORM');
        assert.equal(err.message, `oci:${path}:multi: no image found in image index for architecture "linux/ppc64le"`);
        assert.match(err.hint ?? '', /linux\/s390x/);
        return true;
      });
      assert.deepEqual(await storeSnapshot(store.root), before);
    }));
});

describe('oci: bad sources fail with one clear error and record nothing', () => {
  /** prepare returns PATH[:REF]; message gets it too. */
  type Case = [what: string, prepare: (dir: string) => Promise<string>, code: string, message: (name: string) => string | RegExp];
  const cases: Case[] = [
    [
      'a layout with several images and no REF',
      (dir) => layout(dir, [{ top: hello.manifest, refName: 'a' }, { top: other.manifest }], blobsOf(hello, other)),
      'INVALID_SOURCE',
      (p) => `oci:${p}: the layout holds 2 images, choose one`,
    ],
    [
      'a bad @N',
      async (dir) => `${await layout(dir, [{ top: hello.manifest }], blobsOf(hello))}:@x`,
      'INVALID_REFERENCE',
      (p) => `oci:${p}: invalid image position "@x": expected @N with N a number`,
    ],
    [
      '@N past the end',
      async (dir) => `${await layout(dir, [{ top: hello.manifest }], blobsOf(hello))}:@3`,
      'INVALID_SOURCE',
      (p) => `oci:${p}: no image at position @3 (the layout holds 1)`,
    ],
    [
      'an unknown REF',
      async (dir) => `${await layout(dir, [{ top: hello.manifest, refName: '1.0' }], blobsOf(hello))}:2.0`,
      'IMAGE_NOT_KNOWN',
      (p) => `oci:${p}: no image named "2.0" in the layout`,
    ],
    ['a missing path', async (dir) => join(dir, 'nothere'), 'SOURCE_NOT_FOUND', (p) => `${p}/index.json: no such file or directory`],
    [
      'a malformed index.json',
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        await writeFile(join(path, 'index.json'), '{"schemaVersion": 2, "manifests": [');
        return path;
      },
      'INVALID_SOURCE',
      (p) => new RegExp(`^oci:${p}: index\\.json is not valid JSON: `),
    ],
    [
      'an index.json without manifests',
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        await writeFile(join(path, 'index.json'), '{"schemaVersion": 2}');
        return path;
      },
      'INVALID_SOURCE',
      (p) => `oci:${p}: index.json has no "manifests" list`,
    ],
    [
      'a blob missing from the layout',
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        await rm(join(path, 'blobs', 'sha256', hello.layers[1]!.digest.slice(7)));
        return path;
      },
      'SOURCE_NOT_FOUND',
      (p) => `${p}/blobs/sha256/${hello.layers[1]!.digest.slice(7)}: no such file or directory`,
    ],
    [
      'a corrupted layer',
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        const bad = Buffer.from(hello.layers[1]!.data);
        bad[bad.length - 5] ^= 0xff;
        await writeFile(join(path, 'blobs', 'sha256', hello.layers[1]!.digest.slice(7)), bad);
        return path;
      },
      'DIGEST_MISMATCH',
      () => new RegExp(`^digest mismatch for blob: expected ${hello.layers[1]!.digest}, got sha256:[0-9a-f]{64}$`),
    ],
    [
      "an index.json entry whose size is not the manifest's",
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        const index = JSON.parse(await readFile(join(path, 'index.json'), 'utf8')) as { manifests: { size: number }[] };
        index.manifests[0]!.size += 7;
        await writeFile(join(path, 'index.json'), JSON.stringify(index));
        return path;
      },
      'SIZE_MISMATCH',
      (p) => `oci:${p}: index.json's entry for ${hello.manifest.digest} declares ${hello.manifest.size + 7} bytes, the manifest has ${hello.manifest.size}`,
    ],
    [
      'a corrupted manifest',
      async (dir) => {
        const path = await layout(dir, [{ top: hello.manifest }], blobsOf(hello));
        await writeFile(
          join(path, 'blobs', 'sha256', hello.manifest.digest.slice(7)),
          Buffer.from(hello.manifest.data.toString().replace('"layers"', '"layers" ')),
        );
        return path;
      },
      'DIGEST_MISMATCH',
      (p) => new RegExp(`^digest mismatch for manifest in oci:${p}: expected ${hello.manifest.digest}, got sha256:`),
    ],
  ];
  for (const [what, prepare, code, message] of cases) {
    test(what, () =>
      withStore(async (store, dir) => {
        const name = await prepare(dir);
        const before = await storeSnapshot(store.root);
        await assert.rejects(pull(`oci:${name}`, { store }), (err: unknown) => {
          assert.ok(err instanceof HoistError, String(err));
          assert.equal(err.code, code);
          const want = message(name);
          if (typeof want === 'string') assert.equal(err.message, want);
          else assert.match(err.message, want);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        });
        await assertNothingRecorded(store.root, before);
      }),
    );
  }

  test('the several-images error says how to choose and lists the images', () =>
    withStore(async (store, dir) => {
      const path = await layout(dir, [{ top: hello.manifest, refName: 'a' }, { top: other.manifest }], blobsOf(hello, other));
      await assert.rejects(pull(`oci:${path}`, { store }), (err: HoistError) => {
        assert.equal(err.hint, `append :NAME or :@N to the path — @0: a ${hello.manifest.digest}; @1: (no name) ${other.manifest.digest}`);
        return true;
      });
    }));
});

describe('naming after a layout directory that is no valid image name', () => {
  test('names the directory and hints at a way out', () => {
    assert.throws(
      () => layoutRefName('1.0', '/tmp/MyApp'),
      (err: unknown) =>
        isHoistError(err, 'INVALID_REFERENCE') &&
        err.message.startsWith('cannot name the image after the layout directory "MyApp": ') &&
        /hoist tag/.test(err.hint ?? ''),
    );
    assert.equal(layoutRefName('1.0', '/tmp/my-app'), 'localhost/my-app:1.0');
  });
});
