import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyImage } from '../../src/copy/index.js';
import { pull } from '../../src/engine/index.js';
import { HoistError } from '../../src/errors.js';
import { hostPlatform } from '../../src/manifest/index.js';
import { describeImage, type Store } from '../../src/store/index.js';
import { DirectoryFiles } from '../../src/transports/file-reader.js';
import { dirTransport } from '../../src/transports/dir.js';
import { buildImage, DOCKER_MANIFEST, writeDirImage } from '../helpers/images.js';
import { storeSnapshot, assertNothingRecorded, withTempDir } from '../helpers/tmp.js';
import { openStore } from '../store/fixtures.js';

const image = buildImage({ layers: [{ 'etc/dir': 'from a dir\n' }, { 'etc/two': 'two\n' }] });

function withDir(fn: (store: Store, path: string) => Promise<void>, fixture = image): Promise<void> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'image');
    await writeDirImage(path, fixture);
    await fn(await openStore(dir), path);
  });
}

test('dir: pulls are unnamed, known by ID', () =>
  withDir(async (store, path) => {
    assert.deepEqual(await pull(`dir:${path}`, { store }), [{ id: image.id, names: [], manifestDigest: image.manifest.digest }]);
    const record = await store.lookup(image.id);
    assert.deepEqual(record?.names, []);
    assert.equal(await store.isComplete(record!), true);
  }));

test('dir: through the transport and copyImage', () =>
  withDir(async (store, path) => {
    const { source, names } = await dirTransport.open(dirTransport.parse(path), { tmpDir: store.paths.tmp });
    assert.deepEqual(names, []);
    const record = await copyImage(source, store, { platform: hostPlatform(), names });
    await source.close();
    assert.equal(record.id, image.id);
  }));

test('dir: reads Docker v2s2 images as skopeo writes them', () => {
  const docker = buildImage({ format: 'docker' });
  return withDir(async (store, path) => {
    const [pulled] = await pull(`dir:${path}`, { store });
    assert.equal(pulled!.id, docker.id);
    assert.equal((await describeImage(store, (await store.lookup(docker.id))!)).ManifestType, DOCKER_MANIFEST);
  }, docker);
});

test('dir: a directory without a version file is read; an unknown version is refused', () =>
  withDir(async (store, path) => {
    await rm(join(path, 'version'));
    assert.equal((await pull(`dir:${path}`, { store }))[0]!.id, image.id);
    await writeFile(join(path, 'version'), 'Directory Transport Version: 9.0\n');
    await assert.rejects(pull(`dir:${path}`, { store }), {
      code: 'INVALID_SOURCE',
      message: `dir:${path}: unsupported directory format "Directory Transport Version: 9.0"`,
    });
  }));

const broken: Array<[what: string, breakIt: (path: string) => Promise<unknown>, code: string, message: (path: string) => string | RegExp]> = [
  ['a missing path', (path) => rm(path, { recursive: true }), 'SOURCE_NOT_FOUND', (p) => `${p}/manifest.json: no such file or directory`],
  ['a missing manifest.json', (path) => rm(join(path, 'manifest.json')), 'SOURCE_NOT_FOUND', (p) => `${p}/manifest.json: no such file or directory`],
  [
    'a malformed manifest.json',
    (path) => writeFile(join(path, 'manifest.json'), '{'),
    'INVALID_MANIFEST',
    (p) => new RegExp(`^dir:${p}: manifest is not valid JSON`),
  ],
  [
    'a missing blob',
    (path) => rm(join(path, image.layers[0]!.digest.slice(7))),
    'SOURCE_NOT_FOUND',
    (p) => `${p}/${image.layers[0]!.digest.slice(7)}: no such file or directory`,
  ],
  [
    'a corrupted blob',
    (path) => writeFile(join(path, image.layers[1]!.digest.slice(7)), Buffer.from(image.layers[1]!.data).fill(7, 20, 24)),
    'DIGEST_MISMATCH',
    () => new RegExp(`^digest mismatch for blob: expected ${image.layers[1]!.digest}, got sha256:`),
  ],
];

for (const [what, breakIt, code, message] of broken) {
  test(`dir: ${what} fails with one clear error and records nothing`, () =>
    withDir(async (store, path) => {
      await breakIt(path);
      const before = await storeSnapshot(store.root);
      await assert.rejects(pull(`dir:${path}`, { store }), (err: unknown) => {
        assert.ok(err instanceof HoistError, String(err));
        assert.equal(err.code, code);
        const want = message(path);
        if (typeof want === 'string') assert.equal(err.message, want);
        else assert.match(err.message, want);
        return true;
      });
      await assertNothingRecorded(store.root, before);
    }));
}

test('reading a file of a directory stops at an abort, before or midway', () =>
  withDir(async (_store, path) => {
    const files = new DirectoryFiles(path);
    await assert.rejects(
      files.read('manifest.json', () => undefined, AbortSignal.abort()),
      { code: 'ABORTED' },
    );
    await writeFile(join(path, 'large'), Buffer.alloc(5 << 20, 1));
    const controller = new AbortController();
    let chunks = 0;
    await assert.rejects(
      files.read('large', () => void (chunks++, controller.abort()), controller.signal),
      { code: 'ABORTED' },
    );
    assert.equal(chunks, 1);
  }));
