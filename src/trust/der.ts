/**
 * A strict DER reader (X.690 §10), for the parts of X.509 certificates node:crypto does not expose.
 * Strict as Go's cryptobyte, which is what upstream's certificate parser reads with: definite
 * lengths in their shortest form, and nothing else.
 *
 * It reads one level at a time and never recurses: how deep anything is read is the caller's
 * schema, however deeply the input nests. Lists are bounded too (MAX_ELEMENTS).
 */
import { isUtf8 } from 'node:buffer';

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface DerElement {
  /** The identifier octet: class, constructed bit and tag number (0x30 is a SEQUENCE). */
  tag: number;
  /** The whole element, identifier and length included. */
  raw: Buffer;
  /** The value octets. */
  content: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  GENERAL_STRING: 0x1b,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** More elements than any certificate has in one list (a SAN, an RDN sequence, extensions). */
export const MAX_ELEMENTS = 4096;

/** The element at the start of `bytes`, and the bytes after it. */
export function readElement(bytes: Buffer): { element: DerElement; rest: Buffer } {
  if (bytes.length < 2) throw new DerError('syntax error: data truncated');
  const tag = bytes[0]!;
  // Tag numbers above 30 take more identifier octets; X.509 never uses them.
  if ((tag & 0x1f) === 0x1f) throw new DerError('syntax error: high tag number');
  const first = bytes[1]!;
  let length = first;
  let start = 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 octets is more than this reader will ever hold.
    if (octets === 0 || octets > 4) throw new DerError('syntax error: unsupported length');
    if (bytes.length < 2 + octets) throw new DerError('syntax error: data truncated');
    length = bytes.readUIntBE(2, octets);
    start = 2 + octets;
    if (length < 0x80 || bytes[2] === 0) throw new DerError('syntax error: non-minimal length');
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('syntax error: data truncated');
  return { element: { tag, raw: bytes.subarray(0, end), content: bytes.subarray(start, end) }, rest: bytes.subarray(end) };
}

/** The one element `bytes` holds, of this tag when one is given: trailing bytes are an error. */
export function readSingle(bytes: Buffer, tag?: number): DerElement {
  const { element, rest } = readElement(bytes);
  if (rest.length !== 0) throw new DerError('trailing data');
  return tag === undefined ? element : expectTag(element, tag);
}

/** The elements that fill `bytes` exactly (the content of a SEQUENCE or SET). */
export function readElements(bytes: Buffer): DerElement[] {
  const elements: DerElement[] = [];
  for (let rest = bytes; rest.length > 0; ) {
    if (elements.length === MAX_ELEMENTS) throw new DerError(`more than ${MAX_ELEMENTS} elements`);
    const next = readElement(rest);
    elements.push(next.element);
    rest = next.rest;
  }
  return elements;
}

export function expectTag(element: DerElement, tag: number): DerElement {
  if (element.tag !== tag) throw new DerError(`tag 0x${element.tag.toString(16)} where 0x${tag.toString(16)} was expected`);
  return element;
}

/** An OBJECT IDENTIFIER in dotted form, e.g. `2.5.29.37`. */
export function oidOf(element: DerElement): string {
  const bytes = expectTag(element, TAG.OID).content;
  if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80) throw new DerError('invalid object identifier');
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    // A leading 0x80 would pad an arc: not DER.
    if (value === 0n && byte === 0x80) throw new DerError('invalid object identifier');
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  // The first subidentifier packs two arcs: 40 * X + Y, with X at most 2.
  const head = arcs[0]!;
  const [x, y] = head < 40n ? [0n, head] : head < 80n ? [1n, head - 40n] : [2n, head - 80n];
  return [x, y, ...arcs.slice(1)].join('.');
}

/** An INTEGER, which DER writes in the fewest octets (two's complement). */
export function integerOf(element: DerElement): bigint {
  const bytes = expectTag(element, TAG.INTEGER).content;
  if (bytes.length === 0) throw new DerError('empty integer');
  if (bytes.length > 1 && ((bytes[0] === 0 && !(bytes[1]! & 0x80)) || (bytes[0] === 0xff && bytes[1]! & 0x80))) throw new DerError('non-minimal integer');
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return bytes[0]! & 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

/** DER writes TRUE as 0xff, nothing else. */
export function booleanOf(element: DerElement): boolean {
  const bytes = expectTag(element, TAG.BOOLEAN).content;
  if (bytes.length !== 1 || (bytes[0] !== 0 && bytes[0] !== 0xff)) throw new DerError('invalid boolean');
  return bytes[0] === 0xff;
}

/** A BIT STRING's octets; the unused bits of the last one must be zero. */
export function bitStringOf(element: DerElement): Buffer {
  const bytes = expectTag(element, TAG.BIT_STRING).content;
  const unused = bytes[0];
  if (unused === undefined || unused > 7 || (bytes.length === 1 && unused !== 0)) throw new DerError('invalid bit string');
  if (unused !== 0 && bytes[bytes.length - 1]! & ((1 << unused) - 1)) throw new DerError('invalid bit string');
  return bytes.subarray(1);
}

/**
 * A string of a type Go's encoding/asn1 reads into a Go string, as that Go string's bytes: UTF-8,
 * except T61String and GeneralString, whose bytes Go passes through. Checks and reasons are Go's.
 */
export function stringOf({ tag, content }: DerElement): Buffer {
  const checked = (valid: boolean, type: string) => {
    if (!valid) throw new DerError(`syntax error: ${type} contains invalid character`);
    return content;
  };
  switch (tag) {
    case TAG.UTF8_STRING:
      if (!isUtf8(content)) throw new DerError('invalid UTF-8 string');
      return content;
    case TAG.PRINTABLE_STRING:
      // Go also allows '*' and '&', which occur in the wild.
      return checked(/^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(content.toString('latin1')), 'PrintableString');
    case TAG.IA5_STRING:
      return checked(
        content.every((b) => b < 0x80),
        'IA5String',
      );
    case TAG.NUMERIC_STRING:
      return checked(/^[0-9 ]*$/.test(content.toString('latin1')), 'NumericString');
    case TAG.T61_STRING:
    case TAG.GENERAL_STRING:
      return content;
    case TAG.BMP_STRING:
      if (content.length % 2 !== 0) throw new DerError('invalid BMPString');
      return Buffer.from(Buffer.from(content).swap16().toString('utf16le'), 'utf8');
    default:
      throw new DerError(`structure error: tags don't match (tag ${tag} is not a string type)`);
  }
}

/**
 * UTCTime (YYMMDDHHMMSSZ, years 1950–2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime
 * (YYYYMMDDHHMMSSZ) as milliseconds since the epoch. DER allows neither fractions nor offsets.
 */
export function timeOf(element: DerElement): number {
  const text = element.content.toString('latin1');
  const match =
    element.tag === TAG.UTC_TIME
      ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text)
      : element.tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text)
        : null;
  if (match === null) throw new DerError('invalid time');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const fullYear = element.tag === TAG.UTC_TIME ? (year < 50 ? 2000 + year : 1900 + year) : year;
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(fullYear, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Out-of-range fields carry over (31 February becomes March): a field that changed was invalid.
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    throw new DerError('invalid time');
  }
  return date.getTime();
}
