import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isProtocolError as matchesProtocolError } from './protocol-error.js';
import { bodyFraming, parseResponseHead, type ResponseHead } from '../../src/http1/response-head.js';

const WHERE = 'registry.example:5000';

const isProtocolError = (problem: RegExp) => matchesProtocolError(WHERE, problem);

/** Own header fields as a plain object, whatever prototype the parser gives its record. */
const fields = ({ statusCode, headers }: ResponseHead) => ({ statusCode, headers: { ...headers } });

const head = (statusCode: number, headers: ResponseHead['headers'] = {}): ResponseHead => ({ statusCode, keepAlive: true, headers });

describe('parseResponseHead', () => {
  test('reads the status code and lower-cases header names, trimming values', () => {
    const parsed = parseResponseHead('HTTP/1.1 206 Partial Content\r\nContent-Range:  bytes 0-9/100 \r\nX-Empty:\r\nDocker-Content-Digest:sha256:abc', WHERE);
    assert.deepEqual(fields(parsed), {
      statusCode: 206,
      headers: { 'content-range': 'bytes 0-9/100', 'x-empty': '', 'docker-content-digest': 'sha256:abc' },
    });
  });

  test('accepts HTTP/1.0, a missing reason phrase and a head without headers', () => {
    assert.deepEqual(fields(parseResponseHead('HTTP/1.0 404', WHERE)), { statusCode: 404, headers: {} });
    assert.deepEqual(fields(parseResponseHead('HTTP/1.1 200 ', WHERE)), { statusCode: 200, headers: {} });
  });

  test('a value keeps its own colons (only the first one separates the name)', () => {
    const parsed = parseResponseHead('HTTP/1.1 307 Temporary Redirect\r\nLocation: https://storage.example:8443/blob?sig=a:b', WHERE);
    assert.equal(parsed.headers.location, 'https://storage.example:8443/blob?sig=a:b');
  });

  test('a repeated header becomes an array in arrival order, whatever the case of its name', () => {
    const parsed = parseResponseHead(
      'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="a"\r\nwww-authenticate: Bearer realm="b"\r\nWww-Authenticate: Other',
      WHERE,
    );
    assert.deepEqual(parsed.headers['www-authenticate'], ['Basic realm="a"', 'Bearer realm="b"', 'Other']);
  });

  test('a header named like an Object.prototype member is an ordinary header', () => {
    // A server may send any token as a name: "constructor" must not pick up the inherited function.
    const parsed = parseResponseHead('HTTP/1.1 200 OK\r\nConstructor: x\r\n__proto__: y', WHERE);
    assert.equal(parsed.headers.constructor, 'x');
    assert.equal(Object.getOwnPropertyDescriptor(parsed.headers, '__proto__')?.value, 'y');
  });

  for (const [name, line] of [
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6'],
    ['HTTP/2 framing text', 'HTTP/2 200'],
    ['a two-digit status', 'HTTP/1.1 20 OK'],
    ['a status without a space before the reason', 'HTTP/1.1 200OK'],
    ['an empty head', ''],
    ['lines ended by a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 5'],
  ] as const) {
    test(`a bad status line (${name}) is a protocol error`, () => {
      assert.throws(() => parseResponseHead(line, WHERE), isProtocolError(/bad status line/));
    });
  }

  test('a long bad status line is quoted cut short, not whole', () => {
    assert.throws(
      () => parseResponseHead('X'.repeat(1000), WHERE),
      (err: unknown) => isProtocolError(/bad status line/)(err) && (err as Error).message.length < 200,
    );
  });

  for (const [name, line] of [
    ['no colon', 'Content-Length 5'],
    ['an empty name', ': value'],
    ['whitespace before the colon', 'Content-Length : 5'],
    ['a space inside the name', 'Content Length: 5'],
    ['an obsolete folded continuation', ' continued: value'],
  ] as const) {
    test(`a header line with ${name} is a protocol error`, () => {
      assert.throws(() => parseResponseHead(`HTTP/1.1 200 OK\r\nX-Fine: 1\r\n${line}`, WHERE), isProtocolError(/bad header line/));
    });
  }
});

describe('bodyFraming', () => {
  test('204 and 304 have no body, whatever their headers say', () => {
    assert.deepEqual(bodyFraming(head(204, { 'content-length': '10' }), WHERE), { kind: 'none' });
    assert.deepEqual(bodyFraming(head(304, { 'transfer-encoding': 'chunked' }), WHERE), { kind: 'none' });
  });

  test('Content-Length gives a length, zero included', () => {
    assert.deepEqual(bodyFraming(head(200, { 'content-length': '1048576' }), WHERE), { kind: 'length', length: 1048576 });
    assert.deepEqual(bodyFraming(head(404, { 'content-length': '0' }), WHERE), { kind: 'length', length: 0 });
  });

  test('repeated Content-Length values that agree are one length (as a list or as repeated headers)', () => {
    assert.deepEqual(bodyFraming(head(200, { 'content-length': '42, 42' }), WHERE), { kind: 'length', length: 42 });
    assert.deepEqual(bodyFraming(head(200, { 'content-length': ['42', '42'] }), WHERE), { kind: 'length', length: 42 });
  });

  for (const [name, value] of [
    ['conflicting values in one header', '42, 43'],
    ['conflicting repeated headers', ['42', '43']],
    ['a non-number', 'lots'],
    ['a negative number', '-1'],
    ['a signed number', '+5'],
    ['a fraction', '1.5'],
    ['an exponent', '1e3'],
    ['an empty value', ''],
    ['an empty list member', '42,'],
    ['more than 15 digits', '1234567890123456'],
  ] as const) {
    test(`a Content-Length with ${name} is a protocol error`, () => {
      assert.throws(() => bodyFraming(head(200, { 'content-length': value as string | string[] }), WHERE), isProtocolError(/bad Content-Length/));
    });
  }

  test('Transfer-Encoding: chunked (any case) is chunked, and wins over Content-Length', () => {
    assert.deepEqual(bodyFraming(head(200, { 'transfer-encoding': 'chunked' }), WHERE), { kind: 'chunked' });
    assert.deepEqual(bodyFraming(head(200, { 'transfer-encoding': ' Chunked ' }), WHERE), { kind: 'chunked' });
    assert.deepEqual(bodyFraming(head(200, { 'transfer-encoding': 'chunked', 'content-length': '5' }), WHERE), { kind: 'chunked' });
  });

  for (const [name, value] of [
    ['a coding other than chunked', 'gzip'],
    ['identity', 'identity'],
    ['chunked under another coding', 'gzip, chunked'],
    ['chunked repeated as headers', ['chunked', 'chunked']],
    ['chunked followed by another coding', 'chunked, gzip'],
    ['an empty value', ''],
  ] as const) {
    test(`Transfer-Encoding with ${name} is refused`, () => {
      assert.throws(() => bodyFraming(head(200, { 'transfer-encoding': value as string | string[] }), WHERE), isProtocolError(/unsupported Transfer-Encoding/));
    });
  }

  test('neither header: the body ends when the connection closes', () => {
    assert.deepEqual(bodyFraming(head(200, { 'content-type': 'application/octet-stream' }), WHERE), { kind: 'close' });
  });
});

test('keepAlive: HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 only when it says keep-alive', () => {
  const keepAlive = (text: string) => parseResponseHead(text, WHERE).keepAlive;
  assert.equal(keepAlive('HTTP/1.1 200 OK'), true);
  assert.equal(keepAlive('HTTP/1.1 200 OK\r\nConnection: close'), false);
  assert.equal(keepAlive('HTTP/1.1 200 OK\r\nConnection: Upgrade, Close'), false);
  assert.equal(keepAlive('HTTP/1.0 200 OK'), false);
  assert.equal(keepAlive('HTTP/1.0 200 OK\r\nConnection: keep-alive'), true);
});
