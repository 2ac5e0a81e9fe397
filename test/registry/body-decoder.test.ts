import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isProtocolError as matchesProtocolError } from './protocol-error.js';
import { BodyDecoder } from '../../src/http1/body-decoder.js';
import type { BodyFraming } from '../../src/http1/response-head.js';

const WHERE = 'registry.example';

interface Fed {
  /** Every data view returned, concatenated. */
  body: Buffer;
  /** Input left once the decoder was done (empty when it never was). */
  after: Buffer;
  done: boolean;
}

/**
 * Feeds `pieces` to the decoder in order, as socket reads would arrive, taking data until each
 * piece is used up or the body is done. Also checks every data view lies inside its input.
 */
function feed(decoder: BodyDecoder, pieces: Buffer[]): Fed {
  const data: Buffer[] = [];
  const after: Buffer[] = [];
  for (const piece of pieces) {
    let input = piece;
    while (input.length > 0 && !decoder.done) {
      const { data: got, rest } = decoder.take(input);
      assert.ok(got.length > 0 || rest.length < input.length || decoder.done, 'take() made no progress');
      if (got.length > 0) {
        assert.equal(got.buffer, input.buffer, 'data is a view of the input, not a copy');
        assert.ok(got.byteOffset >= input.byteOffset && got.byteOffset + got.length <= input.byteOffset + input.length);
      }
      data.push(got);
      input = rest;
    }
    after.push(input);
  }
  return { body: Buffer.concat(data), after: Buffer.concat(after), done: decoder.done };
}

const decode = (framing: BodyFraming, ...pieces: (string | Buffer)[]) =>
  feed(
    new BodyDecoder(framing, WHERE),
    pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)),
  );

const CHUNKED: BodyFraming = { kind: 'chunked' };

const isProtocolError = (problem: RegExp) => matchesProtocolError(WHERE, problem);

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, bytes, pick };
}
type Random = ReturnType<typeof prng>;

/** Cuts `bytes` at random points (sometimes every byte, sometimes not at all). */
function randomSplit(random: Random, bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  const maxPiece = random.pick([1, 3, 17, 200, 5000, bytes.length + 1]);
  for (let at = 0; at < bytes.length; ) {
    const n = random.int(1, maxPiece);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/** `body` in the chunked coding, with random chunk sizes, hex case, extensions and trailer fields. */
function chunkedEncoding(random: Random, body: Buffer): Buffer {
  const extension = () => random.pick(['', '', ';a', ';name=value', ';q="quoted ; value"', ' ;x=1', '\t;y', ';a=1;b=2']);
  const hex = (n: number) => (random.next() < 0.5 ? n.toString(16) : n.toString(16).toUpperCase());
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const n = Math.min(body.length - at, random.int(1, random.pick([1, 10, 300, 70000])));
    parts.push(Buffer.from(`${hex(n)}${extension()}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  const trailers = random.pick(['', 'Digest: sha-256=abc\r\n', 'X-A: 1\r\nX-B: 2\r\n']);
  parts.push(Buffer.from(`${random.pick(['0', '000'])}${extension()}\r\n${trailers}\r\n`));
  return Buffer.concat(parts);
}

describe('BodyDecoder property checks', () => {
  test('a random body in random chunks with extensions and trailers, read in random pieces, decodes to exactly the body', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const body = random.bytes(random.pick([0, 1, random.int(2, 2000), random.int(2000, 200_000)]));
      const next = random.pick([Buffer.alloc(0), Buffer.from('HTTP/1.1 200 OK\r\n')]);
      const wire = Buffer.concat([chunkedEncoding(random, body), next]);
      const fed = feed(new BodyDecoder(CHUNKED, WHERE), randomSplit(random, wire));
      assert.ok(fed.done, `seed ${seed}: not done`);
      assert.ok(fed.body.equals(body), `seed ${seed}: decoded ${fed.body.length} bytes, body has ${body.length}`);
      assert.ok(fed.after.equals(next), `seed ${seed}: the bytes after the body are not left as they were`);
    }
  });

  test('a random body framed by Content-Length, read in random pieces, decodes to exactly the body', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const body = random.bytes(random.pick([1, random.int(2, 2000), random.int(2000, 200_000)]));
      const next = random.bytes(random.pick([0, 5]));
      const fed = feed(new BodyDecoder({ kind: 'length', length: body.length }, WHERE), randomSplit(random, Buffer.concat([body, next])));
      assert.ok(fed.done, `seed ${seed}: not done`);
      assert.ok(fed.body.equals(body), `seed ${seed}: decoded ${fed.body.length} bytes, body has ${body.length}`);
      assert.ok(fed.after.equals(next), `seed ${seed}: the bytes after the body are not left as they were`);
    }
  });

  test('a close-delimited body is every byte read, in any pieces, and is never done by itself', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = prng(seed);
      const body = random.bytes(random.int(1, 50_000));
      const decoder = new BodyDecoder({ kind: 'close' }, WHERE);
      const fed = feed(decoder, randomSplit(random, body));
      assert.ok(fed.body.equals(body), `seed ${seed}`);
      assert.equal(fed.done, false);
      assert.equal(decoder.endsAtClose, true);
    }
  });
});

describe('BodyDecoder with Content-Length', () => {
  test('stops at the declared length and leaves the rest', () => {
    const fed = decode({ kind: 'length', length: 5 }, 'hel', 'lo wor', 'ld');
    assert.deepEqual([fed.body.toString(), fed.after.toString(), fed.done], ['hello', ' world', true]);
  });

  test('is not done while bytes are due, and does not end at close', () => {
    const decoder = new BodyDecoder({ kind: 'length', length: 10 }, WHERE);
    const fed = feed(decoder, [Buffer.from('12345')]);
    assert.equal(fed.done, false);
    assert.equal(decoder.endsAtClose, false);
  });

  test('a zero length and "no body" are done at once and take nothing', () => {
    for (const framing of [{ kind: 'length', length: 0 }, { kind: 'none' }] as const) {
      const decoder = new BodyDecoder(framing, WHERE);
      assert.equal(decoder.done, true);
      const input = Buffer.from('next');
      const { data, rest } = decoder.take(input);
      assert.equal(data.length, 0);
      assert.equal(rest, input);
    }
  });
});

describe('BodyDecoder with the chunked coding', () => {
  const wikipedia = '4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n';

  test('decodes the classic example, whole or one byte at a time', () => {
    assert.equal(decode(CHUNKED, wikipedia).body.toString(), 'Wikipedia in\r\n\r\nchunks.');
    const bytes = Buffer.from(wikipedia);
    const oneByOne = feed(
      new BodyDecoder(CHUNKED, WHERE),
      Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
    );
    assert.equal(oneByOne.body.toString(), 'Wikipedia in\r\n\r\nchunks.');
    assert.equal(oneByOne.done, true);
  });

  test('is done only after the blank line that ends the trailer section', () => {
    const decoder = new BodyDecoder(CHUNKED, WHERE);
    assert.equal(feed(decoder, [Buffer.from('3\r\nabc\r\n0\r\n')]).done, false);
    assert.equal(feed(decoder, [Buffer.from('Trailer: x\r\n')]).done, false);
    assert.equal(feed(decoder, [Buffer.from('\r\n')]).done, true);
    assert.equal(decoder.endsAtClose, false);
  });

  test('chunk sizes take upper- or lower-case hex and ignore extensions', () => {
    const fed = decode(CHUNKED, `A;name="v;v"\r\n${'x'.repeat(10)}\r\n1a \t;e\r\n${'y'.repeat(26)}\r\n0;last\r\n\r\n`);
    assert.equal(fed.body.toString(), 'x'.repeat(10) + 'y'.repeat(26));
    assert.equal(fed.done, true);
  });

  for (const [name, line] of [
    ['not hex', 'zz'],
    ['negative', '-5'],
    ['empty', ''],
    ['led by a space', ' 5'],
    ['13 hex digits', '1000000000000'],
    ['followed by junk', '5 x'],
  ] as const) {
    test(`a chunk size line that is ${name} is a protocol error`, () => {
      assert.throws(() => decode(CHUNKED, `${line}\r\nhello\r\n0\r\n\r\n`), isProtocolError(/bad chunk size line/));
    });
  }

  test('chunk data longer than its size line says is a protocol error', () => {
    assert.throws(() => decode(CHUNKED, '3\r\nabcd\r\n0\r\n\r\n'), isProtocolError(/chunk data is longer than its size line says/));
  });

  test('an endless size line is refused once it passes the limit, even when it arrives in small pieces', () => {
    const pieces = ['5;', ...Array.from({ length: 100 }, () => 'e'.repeat(100))];
    assert.throws(() => decode(CHUNKED, ...pieces), isProtocolError(/too long/));
  });
});
