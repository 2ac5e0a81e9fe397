import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHeader, parseNumeric } from '../../src/archive/tar-header.js';
import { tarHeader, withChecksum, withTypeflag } from '../helpers/archives.js';
import { tarEntries } from '../helpers/tar.js';

test('parseNumeric reads octal with space or NUL padding', () => {
  assert.equal(parseNumeric(Buffer.from('00000001750\0')), 1000);
  assert.equal(parseNumeric(Buffer.from('   1750 \0\0\0\0')), 1000);
  assert.equal(parseNumeric(Buffer.from('\0\0\0\0\0\0\0\0\0\0\0\0')), 0);
});

test('parseNumeric reads GNU base-256 sizes, beyond what 11 octal digits hold', () => {
  const field = Buffer.alloc(12);
  field[0] = 0x80;
  field.writeUIntBE(10 * 2 ** 30, 6, 6); // 10 GiB
  assert.equal(parseNumeric(field), 10 * 2 ** 30);
});

test('parseNumeric refuses negative base-256, unsafe values and garbage', () => {
  assert.equal(parseNumeric(Buffer.from([0xff, ...Buffer.alloc(11, 0xff)])), undefined);
  assert.equal(parseNumeric(Buffer.from([0x80, ...Buffer.alloc(11, 0xff)])), undefined);
  assert.equal(parseNumeric(Buffer.from('12x4\0')), undefined);
  assert.equal(parseNumeric(Buffer.from('9\0')), undefined);
});

/** The fields that say what an entry is and where its body lies. */
function identity(header: ReturnType<typeof parseHeader>) {
  if (typeof header === 'string') return header;
  const { name, linkname, size, type, untyped, headerOnly } = header;
  return { name, linkname, size, type, untyped, headerOnly };
}

test('parseHeader decodes a ustar file header', () => {
  assert.deepEqual(identity(parseHeader(tarHeader('dir/file.txt', 1234))), {
    name: 'dir/file.txt',
    linkname: '',
    size: 1234,
    type: 'file',
    untyped: false,
    headerOnly: false,
  });
});

test('parseHeader joins the POSIX ustar prefix and name', () => {
  const name = `${'d'.repeat(90)}/${'e'.repeat(40)}/file.txt`;
  const [header] = tarEntries([{ name, data: 'x' }]);
  assert.equal((parseHeader(header!) as { name: string }).name, name);
});

test('parseHeader ignores the prefix field of GNU-format headers', () => {
  const [header] = tarEntries([{ name: 'a/b', data: 'x' }]);
  const gnu = Buffer.from(header!);
  gnu.write('ustar  \0', 257, 'latin1');
  gnu.write('not-a-prefix', 345);
  assert.equal((parseHeader(withChecksum(gnu)) as { name: string }).name, 'a/b');
});

test('parseHeader decodes links and directories', () => {
  const [symlink] = tarEntries([{ name: 'l', type: 'symlink', linkname: '../t' }]);
  assert.deepEqual(identity(parseHeader(symlink!)), { name: 'l', linkname: '../t', size: 0, type: 'symlink', untyped: false, headerOnly: true });
  const [directory] = tarEntries([{ name: 'd/', type: 'dir' }]);
  assert.deepEqual(identity(parseHeader(directory!)), { name: 'd/', linkname: '', size: 0, type: 'directory', untyped: false, headerOnly: true });
});

test('parseHeader leaves the v7 trailing-slash rule to the full name: a NUL type flag is untyped, a name ending in / decides nothing', () => {
  // GNU tar's header after a long name: flag '0', and the first 100 bytes of the name, which here end in '/'.
  const truncated = `${'d'.repeat(99)}/`;
  assert.deepEqual(identity(parseHeader(tarHeader(truncated, 3))), { name: truncated, linkname: '', size: 3, type: 'file', untyped: false, headerOnly: false });
  const v7 = withTypeflag(tarHeader('d/', 0), '\0');
  assert.deepEqual(identity(parseHeader(v7)), { name: 'd/', linkname: '', size: 0, type: 'file', untyped: true, headerOnly: false });
});

test('parseHeader decodes the mode with its setuid bits, owners, mtime, the type flag and device numbers', () => {
  const header = withTypeflag(tarHeader('dev/null', 0), '3');
  header.write('0004755\0', 100, 'latin1');
  header.write('0000052\0', 108, 'latin1');
  header.write('0000053\0', 116, 'latin1');
  header.write('0000001\0', 329, 'latin1');
  header.write('0000003\0', 337, 'latin1');
  const parsed = parseHeader(withChecksum(header));
  assert.ok(typeof parsed !== 'string');
  assert.deepEqual(
    { flag: parsed.flag, mode: parsed.mode, uid: parsed.uid, gid: parsed.gid, mtime: parsed.mtime, devmajor: parsed.devmajor, devminor: parsed.devminor },
    { flag: '3', mode: 0o4755, uid: 42, gid: 43, mtime: 1_700_000_000, devmajor: 1, devminor: 3 },
  );
});

test('parseHeader refuses a bad checksum and a bad size field', () => {
  const header = tarHeader('f', 10);
  const corrupt = Buffer.from(header);
  corrupt[0] = 'g'.charCodeAt(0);
  assert.equal(parseHeader(corrupt), 'bad header checksum');
  const badSize = Buffer.from(header);
  badSize.write('zzzzzzzzzzz\0', 124);
  assert.equal(parseHeader(withChecksum(badSize)), 'invalid size field');
});

test('parseHeader accepts checksums computed over signed bytes (old tars)', () => {
  const header = Buffer.from(tarHeader('f', 1));
  header[200] = 0xe9; // a high byte in an unused area: signed and unsigned sums differ
  header.write('        ', 148);
  let signed = 0;
  for (const byte of header) signed += byte > 127 ? byte - 256 : byte;
  header.write(`${signed.toString(8).padStart(6, '0')}\0 `, 148);
  assert.equal(typeof parseHeader(header), 'object');
});
