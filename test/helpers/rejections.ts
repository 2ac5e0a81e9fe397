import assert from 'node:assert/strict';
import { SignatureRejection } from '../../src/trust/rejection.js';

/** Asserts that `run` refuses a signature (a SignatureRejection) with exactly this reason, or one matching it. */
export function assertSignatureRejected(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof SignatureRejection, `not a SignatureRejection: ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** The prefix of every chain failure, in containers/image's spelling ("veryfing"). */
export const CHAIN_FAILED = 'veryfing leaf certificate failed: ';
