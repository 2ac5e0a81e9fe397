import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TarArchive } from '../../src/archive/index.js';
import { HoistError } from '../../src/errors.js';
import { Store } from '../../src/store/index.js';
import { dockerArchiveTransport } from '../../src/transports/docker-archive.js';
import { dockerArchive, dockerArchiveEntries, pullArchive } from '../helpers/archives.js';
import { buildImage, sha256 } from '../helpers/images.js';
import { makeTar, type TarEntry } from '../helpers/tar.js';
import { makeTempDir, removeDir, storeSnapshot, assertNothingRecorded } from '../helpers/tmp.js';

/** Malicious and broken docker archives: each is one clear error, and nothing reaches the store. */

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

const image = buildImage({ uncompressed: true, format: 'docker' });
const layerName = (i: number) => `${image.layers[i]!.digest.slice(7)}/layer.tar`;
const configName = `${image.id}.json`;

let counter = 0;
async function writeArchive(bytes: Buffer): Promise<string> {
  const path = join(dir, `archive-${counter++}.tar`);
  await writeFile(path, bytes);
  return path;
}

/** The fixture archive's entries with `edit` applied. */
function entriesWith(edit: (entries: TarEntry[]) => TarEntry[]): Buffer {
  return makeTar(edit(dockerArchiveEntries([{ image, repoTags: ['app:1'] }])));
}

const replaceEntry = (name: string, replacement: TarEntry) => (entries: TarEntry[]) => entries.map((e) => (e.name === name ? replacement : e));
const manifestJson = (items: unknown) => ({ name: 'manifest.json', data: JSON.stringify(items) });

/** Pulls `path` into a fresh store, expects `message`, and checks that nothing was recorded or left half-written. */
async function refused(path: string, message: string, code = 'INVALID_ARCHIVE'): Promise<void> {
  const store = await Store.open(join(dir, `store-${counter++}`));
  const untouched = await storeSnapshot(store.root);
  await assert.rejects(pullArchive(dockerArchiveTransport, path, store), (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  });
  await assertNothingRecorded(store.root, untouched);
}

test('entry names that are absolute or climb out are refused', async () => {
  const absolute = await writeArchive(entriesWith((e) => [...e, { name: '/etc/passwd', data: 'x' }]));
  await refused(absolute, `invalid archive ${absolute}: entry name "/etc/passwd" is an absolute path`);
  const dotdot = await writeArchive(entriesWith((e) => [...e, { name: 'a/../../x', data: 'x' }]));
  await refused(dotdot, `invalid archive ${dotdot}: entry name "a/../../x" has a ".." component`);
});

test('manifest.json pointing outside the archive is refused', async () => {
  const layers = await writeArchive(
    entriesWith(replaceEntry('manifest.json', manifestJson([{ Config: configName, Layers: ['../../etc/shadow', layerName(1)] }]))),
  );
  await refused(layers, `invalid archive ${layers}: manifest.json item @0: entry name "../../etc/shadow" has a ".." component`);
  const config = await writeArchive(entriesWith(replaceEntry('manifest.json', manifestJson([{ Config: '/etc/passwd', Layers: [] }]))));
  await refused(config, `invalid archive ${config}: manifest.json item @0: entry name "/etc/passwd" is an absolute path`);
});

test('a duplicate manifest.json is refused', async () => {
  const path = await writeArchive(entriesWith((e) => [...e, manifestJson([])]));
  await refused(path, `invalid archive ${path}: the archive holds "manifest.json" 2 times`);
});

test('links standing for manifest.json, the config or a Docker 25 blob are refused', async () => {
  const realManifest = (e: TarEntry[]) => e.map((x) => (x.name === 'manifest.json' ? { ...x, name: 'real-manifest.json' } : x));
  const symlinked = await writeArchive(entriesWith((e) => [...realManifest(e), { name: 'manifest.json', type: 'symlink', linkname: 'real-manifest.json' }]));
  await refused(symlinked, `invalid archive ${symlinked}: "manifest.json" is a symlink, not a regular file`);
  const hardlinked = await writeArchive(entriesWith((e) => [...realManifest(e), { name: 'manifest.json', type: 'hardlink', linkname: 'real-manifest.json' }]));
  await refused(hardlinked, `invalid archive ${hardlinked}: "manifest.json" is a hardlink, not a regular file`);
  const config = await writeArchive(entriesWith(replaceEntry(configName, { name: configName, type: 'symlink', linkname: '/etc/passwd' })));
  await refused(config, `invalid archive ${config}: "${configName}" is a symlink, not a regular file`);
  const blobPath = `blobs/sha256/${image.layers[0]!.digest.slice(7)}`;
  const blob = await writeArchive(
    makeTar(
      dockerArchiveEntries([{ image, repoTags: ['app:1'] }], 'docker25').map((e) =>
        e.name === blobPath ? { name: blobPath, type: 'hardlink', linkname: 'oci-layout' } : e,
      ),
    ),
  );
  await refused(blob, `invalid archive ${blob}: "${blobPath}" is a hardlink, not a regular file`);
});

test('layer symlinks may not leave the archive or chain', async () => {
  const escaping = await writeArchive(entriesWith(replaceEntry(layerName(0), { name: layerName(0), type: 'symlink', linkname: '../../../etc/passwd' })));
  await refused(escaping, `invalid archive ${escaping}: symlink "${layerName(0)}" points outside the archive ("../../../etc/passwd")`);
  const chained = await writeArchive(
    entriesWith((e) => [
      ...replaceEntry(layerName(0), { name: layerName(0), type: 'symlink', linkname: '../hop/layer.tar' })(e),
      { name: 'hop/layer.tar', type: 'symlink', linkname: `../${layerName(1)}` },
    ]),
  );
  await refused(chained, `invalid archive ${chained}: symlink "${layerName(0)}" points at "hop/layer.tar", which is not one regular file in the archive`);
});

test('oversized manifest.json and config are refused before they are read', async () => {
  const bigManifest = await writeArchive(entriesWith(replaceEntry('manifest.json', { name: 'manifest.json', data: Buffer.alloc(1024 * 1024 + 1, 0x20) })));
  await refused(bigManifest, `invalid archive ${bigManifest}: "manifest.json" is too large (1048577 bytes, at most 1048576)`);
  const bigConfig = await writeArchive(entriesWith(replaceEntry(configName, { name: configName, data: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20) })));
  await refused(bigConfig, `invalid archive ${bigConfig}: "${configName}" is too large (4194305 bytes, at most 4194304)`);
});

test('a truncated archive, a non-tar file, a directory and a missing file are each one clear error', async () => {
  const whole = dockerArchive([{ image, repoTags: ['app:1'] }]);
  const layer = (await TarArchive.open(await writeArchive(whole), { tmpDir: dir })).file(layerName(1));
  const cut = layer.offset + 100;
  const truncated = await writeArchive(whole.subarray(0, cut));
  await refused(
    truncated,
    `invalid archive ${truncated}: truncated: entry "${layerName(1)}" needs ${layer.size} bytes at offset ${layer.offset}, but the file ends at ${cut}`,
  );
  const notTar = await writeArchive(Buffer.from('PK\x03\x04 this is a zip file, not a tar'.padEnd(2048, '.')));
  await refused(notTar, `invalid archive ${notTar}: not a tar archive`);
  await refused(dir, `invalid archive ${dir}: it is a directory, not an archive file`);
  const missing = join(dir, 'no-such.tar');
  await refused(missing, `${missing}: no such file or directory`, 'SOURCE_NOT_FOUND');
});

test('a layer whose bytes do not match its diffID is refused and recorded nowhere', async () => {
  const tampered = Buffer.from(image.layers[1]!.data);
  tampered[600] ^= 0xff; // inside the layer's file body: still a tar, no longer the layer the config names
  const path = await writeArchive(entriesWith(replaceEntry(layerName(1), { name: layerName(1), data: tampered })));
  await refused(path, `digest mismatch for blob: expected ${image.diffIds[1]}, got ${sha256(tampered)}`, 'DIGEST_MISMATCH');
});
