import assert from 'node:assert/strict';
import { HoistError } from '../../src/errors.js';

/** Matches the REGISTRY_ERROR of a malformed response from `where`, saying what was malformed. */
export function isProtocolError(where: string, problem: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.code, 'REGISTRY_ERROR');
    assert.match(err.message, new RegExp(`^${where} sent a malformed HTTP response: `));
    assert.match(err.message, problem);
    return true;
  };
}
