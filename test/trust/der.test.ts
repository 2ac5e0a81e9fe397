import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bitStringOf,
  booleanOf,
  DerError,
  integerOf,
  MAX_ELEMENTS,
  oidOf,
  readElement,
  readElements,
  readSingle,
  stringOf,
  TAG,
  timeOf,
} from '../../src/trust/der.js';

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ''), 'hex');
const element = (text: string) => readSingle(hex(text));
const refuses = (run: () => unknown, message: RegExp) => assert.throws(run, (err: unknown) => err instanceof DerError && message.test(err.message));

describe("DER elements: definite lengths in their shortest form only (as Go's cryptobyte)", () => {
  test('short and long lengths', () => {
    const { element: short, rest } = readElement(hex('04 02 aabb cc'));
    assert.deepEqual([short.tag, short.content, short.raw, rest], [TAG.OCTET_STRING, hex('aabb'), hex('0402aabb'), hex('cc')]);
    const long = readElement(Buffer.concat([hex('04 81 80'), Buffer.alloc(0x80, 1)])).element;
    assert.equal(long.content.length, 0x80);
  });

  test('indefinite, padded or needlessly long lengths, truncation, high tag numbers', () => {
    refuses(() => readElement(hex('30 80 0000')), /unsupported length/);
    refuses(() => readElement(hex('04 81 05 0102030405')), /non-minimal length/);
    refuses(() => readElement(Buffer.concat([hex('04 82 0080'), Buffer.alloc(0x80)])), /non-minimal length/);
    refuses(() => readElement(hex('04 85 0000000001 00')), /unsupported length/);
    refuses(() => readElement(hex('04 03 0102')), /data truncated/);
    refuses(() => readElement(hex('04')), /data truncated/);
    refuses(() => readElement(hex('1f 81 00 00')), /high tag number/);
  });

  test('a single element, and lists that must be filled exactly and are bounded', () => {
    refuses(() => readSingle(hex('0500 0500')), /trailing data/);
    refuses(() => readSingle(hex('0500'), TAG.SEQUENCE), /tag 0x5 where 0x30 was expected/);
    assert.equal(readElements(hex('0500 0101ff')).length, 2);
    refuses(() => readElements(hex('0500 01')), /data truncated/);
    refuses(() => readElements(Buffer.alloc((MAX_ELEMENTS + 1) * 2, Buffer.from('0500', 'hex'))), /more than 4096 elements/);
  });
});

describe('DER values', () => {
  test('object identifiers, the first two arcs packed', () => {
    assert.equal(oidOf(element('06 03 551d25')), '2.5.29.37');
    assert.equal(oidOf(element('06 0a 2b0601040183bf300108')), '1.3.6.1.4.1.57264.1.8');
    assert.equal(oidOf(element('06 02 8837')), '2.999');
    refuses(() => oidOf(element('06 02 8001')), /invalid object identifier/);
    refuses(() => oidOf(element('06 01 81')), /invalid object identifier/);
    refuses(() => oidOf(element('06 00')), /invalid object identifier/);
  });

  test("integers in two's complement, minimal", () => {
    const cases: [string, bigint][] = [
      ['020100', 0n],
      ['02017f', 127n],
      ['02020080', 128n],
      ['0201ff', -1n],
      ['020180', -128n],
      ['0202ff7f', -129n],
    ];
    for (const [der, value] of cases) assert.equal(integerOf(element(der)), value, der);
    refuses(() => integerOf(element('02020001')), /non-minimal integer/);
    refuses(() => integerOf(element('0202ff80')), /non-minimal integer/);
    refuses(() => integerOf(element('0200')), /empty integer/);
  });

  test('booleans and bit strings as DER writes them', () => {
    assert.equal(booleanOf(element('0101ff')), true);
    assert.equal(booleanOf(element('010100')), false);
    refuses(() => booleanOf(element('010101')), /invalid boolean/);
    assert.deepEqual(bitStringOf(element('03020780')), hex('80'));
    assert.deepEqual(bitStringOf(element('030100')), hex(''));
    refuses(() => bitStringOf(element('03020781')), /invalid bit string/);
    refuses(() => bitStringOf(element('03020880')), /invalid bit string/);
    refuses(() => bitStringOf(element('030107')), /invalid bit string/);
  });

  test('UTCTime (1950–2049) and GeneralizedTime, in UTC, whole seconds, real dates', () => {
    const time = (tag: number, text: string) => timeOf({ tag, raw: Buffer.alloc(0), content: Buffer.from(text) });
    assert.equal(time(TAG.UTC_TIME, '491231235959Z'), Date.parse('2049-12-31T23:59:59Z'));
    assert.equal(time(TAG.UTC_TIME, '500101000000Z'), Date.parse('1950-01-01T00:00:00Z'));
    assert.equal(time(TAG.GENERALIZED_TIME, '20240229120000Z'), Date.parse('2024-02-29T12:00:00Z'));
    assert.equal(new Date(time(TAG.GENERALIZED_TIME, '00500101000000Z')).getUTCFullYear(), 50);
    for (const bad of ['20230229120000Z', '20241301000000Z', '20240101240000Z', '20240101000000.5Z', '20240101000000+0100', '202401010000Z']) {
      refuses(() => time(TAG.GENERALIZED_TIME, bad), /invalid time/);
    }
    refuses(() => time(TAG.OCTET_STRING, '491231235959Z'), /invalid time/);
  });

  test("strings as Go's encoding/asn1 reads them into a Go string", () => {
    assert.equal(stringOf(element(`0c 04 ${Buffer.from('h€').toString('hex')}`)).toString(), 'h€');
    refuses(() => stringOf(element('0c 01 ff')), /^invalid UTF-8 string$/);
    assert.equal(stringOf(element(`13 03 ${Buffer.from('a*&').toString('hex')}`)).toString(), 'a*&');
    refuses(() => stringOf(element(`13 01 ${Buffer.from('@').toString('hex')}`)), /^syntax error: PrintableString contains invalid character$/);
    refuses(() => stringOf(element('16 01 80')), /^syntax error: IA5String contains invalid character$/);
    assert.deepEqual(stringOf(element('14 01 e9')), hex('e9'));
    assert.equal(stringOf(element('1e 04 00680069')).toString(), 'hi');
    refuses(() => stringOf(element('02 01 01')), /^structure error: tags don't match/);
  });
});
