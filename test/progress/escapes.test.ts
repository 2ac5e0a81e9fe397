import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLinesRenderer, plainRenderer, TtyRenderer, type CopyEvent } from '../../src/progress/index.js';

// Text a registry or a file put in an event: an escape sequence, NUL, CR, a line break that
// would start a forged line, and the one-character C1 CSI.
const hostile = 'bad\x1b[31m\0\r\nError: forged\u009b2J';
const RAW = /[\x1b\0\r\u009b]/;
const events: CopyEvent[] = [
  { type: 'resolved', message: `Resolved "${hostile}"` },
  { type: 'warning', code: 'NEWER_CHECK_FAILED', message: `cannot check x: ${hostile}` },
];

test('plainRenderer writes each event as one printable line', () => {
  const lines: string[] = [];
  events.forEach(plainRenderer((l) => lines.push(l)));
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.doesNotMatch(line, RAW);
    assert.doesNotMatch(line, /\n/);
  }
  assert.equal(lines[1], 'Warning: cannot check x: bad\\u001b[31m\\u0000\\u000d\\u000aError: forged\\u009b2J');
});

test('TtyRenderer writes no control character but its own cursor moves', () => {
  let out = '';
  const tty = new TtyRenderer({ columns: 120, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
  events.forEach(tty.handle);
  assert.equal(out.split('\n').length, 3, JSON.stringify(out)); // two lines and the end of the last
  assert.doesNotMatch(out, RAW);
  assert.ok(out.includes('Warning: cannot check x: bad\\u001b[31m'), out);
});

test('jsonLinesRenderer escapes C1 and format characters too, and the line stays the same JSON', () => {
  const lines: string[] = [];
  events.forEach(jsonLinesRenderer((l) => lines.push(l)));
  assert.equal(lines.length, 2);
  for (const [i, line] of lines.entries()) {
    assert.doesNotMatch(line, RAW);
    assert.doesNotMatch(line, /[\n\u2028\u202e]/);
    const { time: _time, ...event } = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(event, events[i]);
  }
});

test('jsonLinesRenderer writes a format character beyond U+FFFF as a JSON surrogate pair', () => {
  const lines: string[] = [];
  const message = 'tag \u{e0067} and \u202e';
  jsonLinesRenderer((l) => lines.push(l))({ type: 'warning', code: 'CONFIG', message });
  assert.ok(lines[0]!.includes('tag \\udb40\\udc67 and \\u202e'), lines[0]);
  assert.equal((JSON.parse(lines[0]!) as { message: string }).message, message);
});
