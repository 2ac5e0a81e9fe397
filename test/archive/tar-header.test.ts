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

test('parseHeader decodes a ustar file header', () => {
  assert.deepEqual(parseHeader(tarHeader('dir/file.txt', 1234)), {
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
  assert.deepEqual(parseHeader(symlink!), { name: 'l', linkname: '../t', size: 0, type: 'symlink', untyped: false, headerOnly: true });
  const [directory] = tarEntries([{ name: 'd/', type: 'dir' }]);
  assert.deepEqual(parseHeader(directory!), { name: 'd/', linkname: '', size: 0, type: 'directory', untyped: false, headerOnly: true });
});

test('parseHeader leaves the v7 trailing-slash rule to the full name: a NUL type flag is untyped, a name ending in / decides nothing', () => {
  // GNU tar's header after a long name: flag '0', and the first 100 bytes of the name, which here end in '/'.
  const truncated = `${'d'.repeat(99)}/`;
  assert.deepEqual(parseHeader(tarHeader(truncated, 3)), { name: truncated, linkname: '', size: 3, type: 'file', untyped: false, headerOnly: false });
  const v7 = withTypeflag(tarHeader('d/', 0), '\0');
  assert.deepEqual(parseHeader(v7), { name: 'd/', linkname: '', size: 0, type: 'file', untyped: true, headerOnly: false });
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
