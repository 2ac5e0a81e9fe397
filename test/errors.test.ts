import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, HoistError, WARNING_CODES } from '../src/errors.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The first column of the table between `<!-- NAME: … -->` and `<!-- end of NAME -->`. */
function documentedCodes(name: string): string[] {
  const doc = readFileSync(`${repoRoot}/docs/errors.md`, 'utf8');
  const block = doc.slice(doc.indexOf(`<!-- ${name}:`), doc.indexOf(`<!-- end of ${name} -->`));
  return [...block.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

test('docs/errors.md lists every error code, in the order of ERROR_CODES', () => {
  assert.deepEqual(documentedCodes('error codes'), [...ERROR_CODES]);
});

test('docs/errors.md lists every warning code, in the order of WARNING_CODES', () => {
  assert.deepEqual(documentedCodes('warning codes'), [...WARNING_CODES]);
});

test('an error without details has an empty details object, never undefined', () => {
  assert.deepEqual(new HoistError('INTERNAL', 'x').details, {});
});
