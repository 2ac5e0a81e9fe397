import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { TarArchive, type TarEntry } from '../../src/archive/index.js';
import { collect } from '../helpers/chunks.js';
import { extensionEntry, tarHeader, withTypeflag } from '../helpers/archives.js';
import { tarEntries } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/**
 * A long name is carried by an extension entry (GNU `L`, PAX `path`); the header that follows keeps
 * a truncated copy in its 100-byte name field. The type flag and the full name decide what the
 * entry is, never that copy.
 */

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

const bodyText = async (archive: TarArchive, entry: TarEntry) => (await collect((sink) => archive.read(entry, sink))).toString();

/** 99 characters and a '/': the path's byte 100 is a slash, so its 100-byte truncated copy ends in '/'. */
const longDirectory = 'd'.repeat(99);

test('a file whose GNU long name has "/" at byte 100 is a file, and the entries after it are read (GNU tar --format=gnu)', async () => {
  const src = join(dir, 'gnu-src');
  await mkdir(join(src, longDirectory), { recursive: true });
  await writeFile(join(src, longDirectory, 'file.txt'), 'the body of the file\n');
  await writeFile(join(src, 'after.txt'), 'after');
  const path = join(dir, 'gnu.tar');
  await promisify(execFile)('tar', ['--format=gnu', '-cf', path, '-C', src, `${longDirectory}/file.txt`, 'after.txt']);
  // The shape this test is about: an L entry, then a header whose name field is the 100-byte copy, ending in '/', with type flag '0'.
  const bytes = await readFile(path);
  assert.equal(bytes.toString('latin1', 156, 157), 'L');
  assert.equal(bytes.toString('latin1', 1024, 1124), `${longDirectory}/`);
  assert.equal(bytes.toString('latin1', 1024 + 156, 1024 + 157), '0');

  const archive = await TarArchive.open(path, { tmpDir: dir });
  try {
    assert.deepEqual(
      archive.entries.map((e) => [e.name, e.type, e.size]),
      [
        [`${longDirectory}/file.txt`, 'file', 21],
        ['after.txt', 'file', 5],
      ],
    );
    assert.equal(await bodyText(archive, archive.file(`${longDirectory}/file.txt`)), 'the body of the file\n');
    assert.equal(await bodyText(archive, archive.file('after.txt')), 'after');
  } finally {
    await archive.close();
  }
});

test('a NUL type flag (v7) makes a directory only of a full name ending in "/"', async () => {
  const v7 = (name: string, size: number) => withTypeflag(tarHeader(name, size), '\0');
  const path = join(dir, 'v7.tar');
  await writeFile(
    path,
    Buffer.concat([
      v7('plain-dir/', 0),
      // A long name not ending in '/', whose truncated copy does: a file, with its body.
      ...extensionEntry('L', `${longDirectory}/file\0`),
      v7(`${longDirectory}/`, 4),
      Buffer.from('body'),
      Buffer.alloc(508),
      // A long name ending in '/', whose truncated copy does not: a directory.
      ...extensionEntry('L', `${'e'.repeat(120)}/\0`),
      v7('e'.repeat(100), 0),
      ...tarEntries([{ name: 'after', data: 'x' }]),
      Buffer.alloc(1024),
    ]),
  );
  const archive = await TarArchive.open(path, { tmpDir: dir });
  assert.deepEqual(
    archive.entries.map((e) => [e.name, e.type]),
    [
      ['plain-dir', 'directory'],
      [`${longDirectory}/file`, 'file'],
      ['e'.repeat(120), 'directory'],
      ['after', 'file'],
    ],
  );
  assert.equal(await bodyText(archive, archive.file(`${longDirectory}/file`)), 'body');
  await archive.close();
});
