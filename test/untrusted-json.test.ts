import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoistError } from '../src/errors.js';
import { parseImageConfig, parseManifest } from '../src/manifest/index.js';
import { parseArchiveManifest } from '../src/transports/docker-archive-manifest.js';
import { parseJsonObject, parseUntrustedJson, type JsonObjectProblem } from '../src/untrusted-json.js';

test('parseUntrustedJson parses JSON as JSON.parse does', () => {
  assert.deepEqual(parseUntrustedJson('{"a":[1,"\\u001b"]}'), { a: [1, '\x1b'] });
});

test("its syntax errors say what V8's say, with the input's control characters escaped", () => {
  const input = '\x1b[2J\r\0\u009b\nError: x';
  let v8 = '';
  try {
    JSON.parse(input);
  } catch (err) {
    v8 = (err as Error).message;
  }
  assert.match(v8, /\nError: x/, 'V8 quotes the input raw (the reason for the helper)');
  assert.throws(
    () => parseUntrustedJson(input),
    (err: unknown) =>
      err instanceof SyntaxError && err.message === `Unexpected token '\\u001b', "\\u001b[2J\\u000d\\u0000\\u009b\\u000aError: x" is not valid JSON`,
  );
});

test('the parsers of untrusted documents give messages with no raw control character', () => {
  const input = Buffer.from('\x1b[2J\r\0\u009b\nError: x');
  const parsers: [string, () => unknown][] = [
    ['manifest', () => parseManifest(input, undefined, 'registry r')],
    ['image config', () => parseImageConfig(input, 'registry r')],
    ['docker-archive manifest.json', () => parseArchiveManifest(input, '/a.tar')],
  ];
  for (const [what, parse] of parsers) {
    assert.throws(parse, (err: unknown) => err instanceof HoistError && /Unexpected token/.test(err.message) && !/[\x00-\x1f\u009b]/.test(err.message), what);
  }
});

test('parseJsonObject gives the caller a syntax problem (printable) or a not-object problem to word', () => {
  const fail = (p: JsonObjectProblem) => new Error(p.problem === 'syntax' ? `syntax: ${p.message}` : 'not an object');
  assert.deepEqual(parseJsonObject(Buffer.from('{"a":1}'), fail), { a: 1 });
  for (const text of ['[]', 'null', '"s"', '3']) assert.throws(() => parseJsonObject(text, fail), { message: 'not an object' });
  assert.throws(
    () => parseJsonObject('{"\u001b[31m', fail),
    (err: Error) => err.message.startsWith('syntax: ') && !err.message.includes('\u001b'),
  );
});
