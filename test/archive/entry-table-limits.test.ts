import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TarArchive } from '../../src/archive/index.js';
import { extensionEntry, paxRecords } from '../helpers/archives.js';
import { tarEntries } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/**
 * The entry table is held in memory, so what an archive can put in it is bounded: members,
 * name lengths, all names together, PAX global records. Each bound refuses the archive with one
 * clear error; image archives are far below all of them.
 */

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(() => removeDir(dir));

let counter = 0;
async function archiveOf(parts: Buffer[]): Promise<string> {
  const path = join(dir, `a${counter++}.tar`);
  await writeFile(path, Buffer.concat(parts));
  return path;
}

async function refused(path: string, detail: string): Promise<void> {
  await assert.rejects(TarArchive.open(path, { tmpDir: dir }), { code: 'INVALID_ARCHIVE', message: `invalid archive ${path}: ${detail}` });
}

test('more than 200,000 entries are refused', async () => {
  // 200,001 empty files, written a MiB at a time: 100 MB that are never held in memory.
  const path = join(dir, 'many.tar');
  const [header] = tarEntries([{ name: 'f', data: '' }]);
  const chunk = Buffer.concat(new Array<Buffer>(2048).fill(header!));
  const fh = await open(path, 'w');
  try {
    let written = 0;
    for (; written + 2048 <= 200_001; written += 2048) await fh.write(chunk);
    await fh.write(Buffer.concat([chunk.subarray(0, (200_001 - written) * 512), Buffer.alloc(1024)]));
  } finally {
    await fh.close();
  }
  await refused(path, 'the archive has more than 200000 entries');
});

test('a name or link target longer than 4096 bytes is refused', async () => {
  const longName = await archiveOf([...extensionEntry('L', 'n'.repeat(4097)), ...tarEntries([{ name: 'short', data: 'x' }])]);
  await refused(longName, 'the entry at offset 5120 has a name or link target longer than 4096 bytes');
  const longLink = await archiveOf([
    ...extensionEntry('x', paxRecords({ linkpath: 't'.repeat(4097) })),
    ...tarEntries([{ name: 'link', type: 'symlink', linkname: 'x' }]),
  ]);
  await refused(longLink, 'the entry at offset 5120 has a name or link target longer than 4096 bytes');
  const longest = await archiveOf([...extensionEntry('L', 'n'.repeat(4096)), ...tarEntries([{ name: 'short', data: 'x' }])]);
  assert.deepEqual(
    (await TarArchive.open(longest, { tmpDir: dir })).entries.map((e) => e.name),
    ['n'.repeat(4096)],
  );
});

test('names of more than 16 MiB in all are refused', async () => {
  // 4,097 entries of 4,096-byte names (each unique, in a GNU long name): 16 MiB and one name.
  const parts: Buffer[] = [];
  for (let i = 0; i < 4097; i++) parts.push(...extensionEntry('L', `${i}`.padStart(4096, 'n')), ...tarEntries([{ name: 'short', data: '' }]));
  const path = await archiveOf(parts);
  await refused(path, `the names of the entries up to offset ${4096 * 5120 + 4608} take more than 16777216 bytes`);
});

test('PAX global records of more than 1 MiB in all are refused; a record replaced by a later one counts once', async () => {
  const record = (key: string) => extensionEntry('g', paxRecords({ [key]: 'v'.repeat(600 * 1024) }));
  const replaced = await archiveOf([...record('comment'), ...record('comment'), ...record('comment'), ...tarEntries([{ name: 'f', data: 'x' }])]);
  assert.deepEqual(
    (await TarArchive.open(replaced, { tmpDir: dir })).entries.map((e) => e.name),
    ['f'],
  );
  const first = record('comment');
  const path = await archiveOf([...first, ...record('other'), ...tarEntries([{ name: 'f', data: 'x' }])]);
  const secondAt = first.reduce((n, b) => n + b.length, 0);
  await refused(path, `the PAX global headers up to offset ${secondAt} hold more than 1048576 bytes of records`);
});
