import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printError, printWarning } from '../../src/cli/output.js';
import { HoistError, MultiError } from '../../src/errors.js';

/** What `print` writes to stderr. */
function stderrOf(print: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stderr.write;
  try {
    print();
  } finally {
    process.stderr.write = write;
  }
  return out;
}

const forged = 'bad\nError: forged\x1b[2J';

test('a message given as a string prints as one line, its line breaks escaped', () => {
  assert.equal(
    stderrOf(() => printError(new HoistError('INVALID_SOURCE', `x: ${forged}`, { hint: `try\n${forged}` }))),
    'Error: x: bad\\u000aError: forged\\u001b[2J\nHint: try\\u000abad\\u000aError: forged\\u001b[2J\n',
  );
  assert.equal(
    stderrOf(() => printError(new Error(forged))),
    'Error: bad\\u000aError: forged\\u001b[2J\n',
  );
  assert.equal(
    stderrOf(() => printWarning(forged)),
    'Warning: bad\\u000aError: forged\\u001b[2J\n',
  );
});

test('a message built from lines prints each, and several errors each under their bullet', () => {
  const multi = new MultiError([
    new HoistError('MANIFEST_UNKNOWN', `a: ${forged}`),
    new HoistError('PULL_FAILED', ['b failed from every source:', ' * mirror m: down', ' * primary p: down']),
    new Error('c'),
  ]);
  assert.equal(
    multi.message,
    `3 errors occurred while pulling:\n * a: ${forged}\n * b failed from every source:\n    * mirror m: down\n    * primary p: down\n * c`,
  );
  assert.deepEqual(stderrOf(() => printError(multi)).split('\n'), [
    'Error: 3 errors occurred while pulling:',
    ' * a: bad\\u000aError: forged\\u001b[2J',
    ' * b failed from every source:',
    '    * mirror m: down',
    '    * primary p: down',
    ' * c',
    '',
  ]);
});
