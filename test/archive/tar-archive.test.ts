import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TarArchive, type TarEntry } from '../../src/archive/index.js';
import { HoistError } from '../../src/errors.js';
import { collect } from '../helpers/chunks.js';
import { extensionEntry, paxRecords, tarHeader, withChecksum, zstdFrame } from '../helpers/archives.js';
import { makeTar, tarEntries } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

let dir: string;
let tmpDir: string;
before(async () => {
  dir = await makeTempDir();
  tmpDir = join(dir, 'tmp');
  await mkdir(tmpDir);
});
after(() => removeDir(dir));

let counter = 0;
async function archiveOf(bytes: Buffer | Buffer[]): Promise<string> {
  const path = join(dir, `a${counter++}.tar`);
  await writeFile(path, Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
  return path;
}

const openArchive = (path: string) => TarArchive.open(path, { tmpDir });

/** An entry's body as text. */
const bodyText = async (archive: TarArchive, entry: TarEntry) => (await collect((sink) => archive.read(entry, sink))).toString();

async function rejectsArchive(path: string, message: string | RegExp, code = 'INVALID_ARCHIVE'): Promise<void> {
  await assert.rejects(openArchive(path), (err: unknown) => {
    assert.ok(err instanceof HoistError);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('reads the entry table and serves bodies by byte range, in parallel', async () => {
  const files = { 'a.txt': 'alpha', 'dir/b.bin': Buffer.alloc(70_000, 7), 'dir/c.txt': 'gamma'.repeat(300) };
  const path = await archiveOf(makeTar([{ name: './', type: 'dir' }, ...Object.entries(files).map(([name, data]) => ({ name: `./${name}`, data }))]));
  const archive = await openArchive(path);
  assert.deepEqual(
    archive.entries.map((e) => [e.name, e.type]),
    [
      ['', 'directory'],
      ['a.txt', 'file'],
      ['dir/b.bin', 'file'],
      ['dir/c.txt', 'file'],
    ],
  );
  const bodies = await Promise.all(Object.keys(files).map((name) => bodyText(archive, archive.file(name))));
  assert.deepEqual(
    bodies,
    Object.values(files).map((d) => d.toString()),
  );
  assert.equal(await archive.digest(archive.file('dir/b.bin')), `sha256:${createHash('sha256').update(files['dir/b.bin']).digest('hex')}`);
  assert.deepEqual(await archive.readHead(archive.file('a.txt'), 3), Buffer.from('alp'));
  await archive.close();
});

test('reads GNU long names, PAX path and size records, and skips PAX global headers', async () => {
  const longName = `${'long-directory-name/'.repeat(8)}file.txt`;
  const paxName = 'pax/ünïcode-name.txt';
  const body = Buffer.from('sized by PAX');
  const headerWithoutSize = tarHeader('short', 0);
  const path = await archiveOf([
    ...extensionEntry('g', paxRecords({ comment: 'git archive writes one of these' })),
    ...extensionEntry('L', `${longName}\0`),
    ...tarEntries([{ name: 'truncated-name', data: 'long' }]),
    ...extensionEntry('x', paxRecords({ path: paxName, size: String(body.length) })),
    headerWithoutSize,
    body,
    Buffer.alloc(512 - body.length),
    ...tarEntries([{ name: 'after', data: 'still found' }]),
    Buffer.alloc(1024),
  ]);
  const archive = await openArchive(path);
  assert.deepEqual(
    archive.entries.map((e) => e.name),
    [longName, paxName, 'after'],
  );
  assert.equal(await bodyText(archive, archive.file(longName)), 'long');
  assert.equal(await bodyText(archive, archive.file(paxName)), 'sized by PAX');
  assert.equal(await bodyText(archive, archive.file('after')), 'still found');
});

test('reads base-256 size fields', async () => {
  const header = Buffer.from(tarHeader('big', 0));
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header.writeUInt32BE(5, 132);
  const path = await archiveOf([withChecksum(header), Buffer.from('12345'), Buffer.alloc(507 + 1024)]);
  const archive = await openArchive(path);
  assert.equal(await bodyText(archive, archive.file('big')), '12345');
});

test('links and directories have no body, whatever their size field says', async () => {
  const [link] = tarEntries([{ name: 'link', type: 'symlink', linkname: 'f', headerSize: 4096 }]);
  const [directory] = tarEntries([{ name: 'dir/', type: 'dir', headerSize: 512 }]);
  const path = await archiveOf([link!, directory!, ...tarEntries([{ name: 'f', data: 'after' }]), Buffer.alloc(1024)]);
  const archive = await openArchive(path);
  assert.deepEqual(
    archive.entries.map((e) => [e.name, e.size]),
    [
      ['link', 0],
      ['dir', 0],
      ['f', 5],
    ],
  );
  assert.equal(await bodyText(archive, archive.file('f')), 'after');
});

test('accepts a tar that ends without its zero blocks', async () => {
  const path = await archiveOf(tarEntries([{ name: 'f', data: 'x' }]));
  assert.deepEqual(
    (await openArchive(path)).entries.map((e) => e.name),
    ['f'],
  );
});

test('serves an empty entry as an empty body', async () => {
  const archive = await openArchive(await archiveOf(makeTar([{ name: 'empty', data: '' }])));
  assert.equal(await bodyText(archive, archive.file('empty')), '');
});

test('readSmall refuses an entry above the cap before reading it', async () => {
  const path = await archiveOf(makeTar([{ name: 'big.json', data: Buffer.alloc(2000) }]));
  const archive = await openArchive(path);
  await assert.rejects(archive.readSmall(archive.file('big.json'), 1000), {
    code: 'INVALID_ARCHIVE',
    message: `invalid archive ${path}: "big.json" is too large (2000 bytes, at most 1000)`,
  });
});

test('file() refuses links, directories, duplicates and missing entries', async () => {
  const path = await archiveOf(
    makeTar([
      { name: 'real', data: 'x' },
      { name: 'sym', type: 'symlink', linkname: 'real' },
      { name: 'hard', type: 'hardlink', linkname: 'real' },
      { name: 'dir', type: 'dir' },
      { name: 'twice', data: '1' },
      { name: './twice', data: '2' },
    ]),
  );
  const archive = await openArchive(path);
  const refused = (name: string, detail: string) =>
    assert.throws(() => archive.file(name), { code: 'INVALID_ARCHIVE', message: `invalid archive ${path}: ${detail}` });
  refused('sym', '"sym" is a symlink, not a regular file');
  refused('hard', '"hard" is a hardlink, not a regular file');
  refused('dir', '"dir" is a directory, not a regular file');
  refused('twice', 'the archive holds "twice" 2 times');
  refused('absent', 'the archive has no entry "absent"');
});

test('fileFollowingSymlink follows one symlink to a regular file, and no further', async () => {
  const path = await archiveOf(
    makeTar([
      { name: 'a/layer.tar', data: 'layer' },
      { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
      { name: 'c/layer.tar', type: 'symlink', linkname: '../b/layer.tar' },
      { name: 'd/layer.tar', type: 'symlink', linkname: '../../etc/passwd' },
      { name: 'e/layer.tar', type: 'hardlink', linkname: 'a/layer.tar' },
    ]),
  );
  const archive = await openArchive(path);
  assert.equal(await bodyText(archive, archive.fileFollowingSymlink('b/layer.tar')), 'layer');
  assert.throws(() => archive.fileFollowingSymlink('c/layer.tar'), {
    message: `invalid archive ${path}: symlink "c/layer.tar" points at "b/layer.tar", which is not one regular file in the archive`,
  });
  assert.throws(() => archive.fileFollowingSymlink('d/layer.tar'), {
    message: `invalid archive ${path}: symlink "d/layer.tar" points outside the archive ("../../etc/passwd")`,
  });
  assert.throws(() => archive.fileFollowingSymlink('e/layer.tar'), { message: /"e\/layer.tar" is a hardlink/ });
});

test('refuses absolute entry names and .. components anywhere in the archive', async () => {
  const absolute = await archiveOf(
    makeTar([
      { name: 'ok', data: 'x' },
      { name: '/etc/cron.d/evil', data: 'x' },
    ]),
  );
  await rejectsArchive(absolute, `invalid archive ${absolute}: entry name "/etc/cron.d/evil" is an absolute path`);
  const dotdot = await archiveOf(makeTar([{ name: 'blobs/../../evil', data: 'x' }]));
  await rejectsArchive(dotdot, `invalid archive ${dotdot}: entry name "blobs/../../evil" has a ".." component`);
  const viaLongName = await archiveOf([...extensionEntry('L', '../evil\0'), ...tarEntries([{ name: 'innocent', data: 'x' }])]);
  await rejectsArchive(viaLongName, `invalid archive ${viaLongName}: entry name "../evil" has a ".." component`);
  const viaPax = await archiveOf([...extensionEntry('x', paxRecords({ path: '/abs' })), ...tarEntries([{ name: 'innocent', data: 'x' }])]);
  await rejectsArchive(viaPax, `invalid archive ${viaPax}: entry name "/abs" is an absolute path`);
});

test('a truncated tar is one clear error', async () => {
  const whole = makeTar([
    { name: 'first', data: 'x' },
    { name: 'layer.tar', data: Buffer.alloc(5000, 1) },
  ]);
  const cutInBody = await archiveOf(whole.subarray(0, 2048));
  await rejectsArchive(cutInBody, `invalid archive ${cutInBody}: truncated: entry "layer.tar" needs 5000 bytes at offset 1536, but the file ends at 2048`);
  const cutInHeader = await archiveOf(whole.subarray(0, 1024 + 100));
  await rejectsArchive(cutInHeader, `invalid archive ${cutInHeader}: truncated header at offset 1024`);
});

test('a file that is not a tar, an empty file, a directory and a missing file each get one clear error', async () => {
  const notTar = await archiveOf(Buffer.from('{"this": "is JSON, not a tar"}\n'.repeat(40)));
  await rejectsArchive(notTar, `invalid archive ${notTar}: not a tar archive`);
  const short = await archiveOf(Buffer.from('tiny'));
  await rejectsArchive(short, `invalid archive ${short}: not a tar archive`);
  const empty = await archiveOf(Buffer.alloc(0));
  await rejectsArchive(empty, `invalid archive ${empty}: the file is empty`);
  await rejectsArchive(dir, `invalid archive ${dir}: it is a directory, not an archive file`);
  const missing = join(dir, 'missing.tar');
  await rejectsArchive(missing, `${missing}: no such file or directory`, 'SOURCE_NOT_FOUND');
});

test('refuses data after a single end-of-archive block and a corrupt header mid-archive', async () => {
  const afterEnd = await archiveOf([...tarEntries([{ name: 'f', data: 'x' }]), Buffer.alloc(512), Buffer.alloc(512, 1)]);
  await rejectsArchive(afterEnd, `invalid archive ${afterEnd}: unexpected data after the end-of-archive block at offset 1024`);
  const corrupt = await archiveOf([...tarEntries([{ name: 'f', data: 'x' }]), Buffer.alloc(512, 0x41)]);
  await rejectsArchive(corrupt, `invalid archive ${corrupt}: bad header checksum at offset 1024`);
});

test('a gzip-compressed archive is decompressed once into tmpDir and removed on close', async () => {
  const path = await archiveOf(gzipSync(makeTar([{ name: 'manifest.json', data: '[]' }])));
  const archive = await openArchive(path);
  assert.equal((await readdir(tmpDir)).length, 1);
  assert.equal((await archive.readSmall(archive.file('manifest.json'), 100)).toString(), '[]');
  await archive.close();
  await archive.close();
  assert.deepEqual(await readdir(tmpDir), []);
});

test('a corrupt gzip archive leaves nothing in tmpDir', async () => {
  const gz = gzipSync(makeTar([{ name: 'f', data: Buffer.alloc(100_000, 3) }]));
  const path = await archiveOf(gz.subarray(0, gz.length - 40));
  await rejectsArchive(path, new RegExp(`^invalid archive ${path}: cannot decompress the gzip-compressed archive: `));
  assert.deepEqual(await readdir(tmpDir), []);
});

test('a zstd-compressed archive is refused with a hint', async () => {
  const path = await archiveOf(zstdFrame(makeTar([{ name: 'f', data: 'x' }])));
  await assert.rejects(openArchive(path), {
    code: 'INVALID_ARCHIVE',
    message: `invalid archive ${path}: the archive is zstd-compressed`,
    hint: 'decompress it first; hoist reads plain and gzip-compressed archives',
  });
});
