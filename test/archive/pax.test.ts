import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePaxRecords } from '../../src/archive/pax.js';
import { paxRecords } from '../helpers/archives.js';

test('parsePaxRecords reads length-prefixed records, UTF-8 values and = inside values', () => {
  const body = paxRecords({ path: 'dir/ünïcode=name.txt', size: '12345678901', mtime: '1.5' });
  assert.deepEqual(
    parsePaxRecords(body),
    new Map([
      ['path', Buffer.from('dir/ünïcode=name.txt')],
      ['size', Buffer.from('12345678901')],
      ['mtime', Buffer.from('1.5')],
    ]),
  );
});

test('parsePaxRecords tolerates NUL padding after the records', () => {
  assert.deepEqual(parsePaxRecords(Buffer.concat([paxRecords({ path: 'a' }), Buffer.alloc(20)])), new Map([['path', Buffer.from('a')]]));
});

test('parsePaxRecords refuses malformed records', () => {
  assert.equal(parsePaxRecords(Buffer.from('99 path=a\n')), 'malformed PAX record at byte 0');
  assert.equal(parsePaxRecords(Buffer.from('x path=a\n')), 'malformed PAX record at byte 0');
  assert.equal(parsePaxRecords(Buffer.from('9 path=a\n9 novalu\n')), 'malformed PAX record at byte 9');
});

test('parsePaxRecords keeps a binary value byte for byte (an xattr such as a file capability)', () => {
  const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x0a, 0x00]);
  const record = Buffer.concat([Buffer.from('SCHILY.xattr.security.capability='), capability, Buffer.from('\n')]);
  const body = Buffer.concat([Buffer.from(`${record.length + 3} `), record]);
  assert.deepEqual(parsePaxRecords(body), new Map([['SCHILY.xattr.security.capability', capability]]));
});
