import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePullPolicy } from '../../src/engine/index.js';
import { isHoistError } from '../../src/errors.js';

describe('pull policy names', () => {
  const table: [string, string][] = [
    ['always', 'always'],
    ['Always', 'always'],
    ['true', 'always'],
    ['missing', 'missing'],
    ['IfMissing', 'missing'],
    ['ifnotpresent', 'missing'],
    ['newer', 'newer'],
    ['ifnewer', 'newer'],
    ['NEWER', 'newer'],
    ['never', 'never'],
    ['false', 'never'],
  ];
  for (const [input, policy] of table) it(`${input} → ${policy}`, () => assert.equal(parsePullPolicy(input), policy));

  it('an unknown value is an error naming it', () => {
    assert.throws(
      () => parsePullPolicy('sometimes'),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && err.message === 'unsupported pull policy "sometimes"',
    );
  });
});
