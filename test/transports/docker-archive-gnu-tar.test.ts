import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Store } from '../../src/store/index.js';
import { dockerArchiveTransport } from '../../src/transports/docker-archive.js';
import { dockerArchiveEntries, pullArchive } from '../helpers/archives.js';
import { buildImage } from '../helpers/images.js';
import { withTempDir } from '../helpers/tmp.js';

/**
 * A docker archive written by GNU tar (`tar --format=gnu`), with a layer path whose byte 100 is a
 * '/': GNU tar writes the name in an L entry, and the layer's own header keeps the first 100
 * bytes, which end in '/'. The layer is still a file.
 */
test('pulls a GNU tar docker archive whose layer path has "/" at byte 100', () =>
  withTempDir(async (dir) => {
    const image = buildImage({ uncompressed: true, format: 'docker' });
    const firstLayer = `${image.layers[0]!.digest.slice(7)}/layer.tar`;
    const longLayer = `${'l'.repeat(99)}/layer.tar`;
    const entries = dockerArchiveEntries([{ image, repoTags: ['gnu:1'] }]).map((entry) => {
      if (entry.name === firstLayer) return { ...entry, name: longLayer };
      if (entry.name === 'manifest.json') return { ...entry, data: String(entry.data).replace(firstLayer, longLayer) };
      return entry;
    });
    const src = join(dir, 'src');
    for (const entry of entries) {
      await mkdir(dirname(join(src, entry.name)), { recursive: true });
      await writeFile(join(src, entry.name), entry.data!);
    }
    const archive = join(dir, 'gnu.tar');
    await promisify(execFile)('tar', ['--format=gnu', '-cf', archive, '-C', src, ...entries.map((e) => e.name)]);

    const store = await Store.open(join(dir, 'store'));
    const record = await pullArchive(dockerArchiveTransport, archive, store);
    assert.equal(record.id, image.id);
    assert.deepEqual(record.names, ['localhost/gnu:1']);
    assert.deepEqual(
      (await store.manifestOf(record)).layers.map((l) => l.digest),
      image.layers.map((l) => l.digest),
    );
  }));
