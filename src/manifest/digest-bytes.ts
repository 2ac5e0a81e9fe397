import { createHash } from 'node:crypto';
import { HoistError } from '../errors.js';
import { parseDigest, type DigestAlgorithm } from '../reference/index.js';

export function digestBytes(bytes: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws DIGEST_MISMATCH unless `bytes` hash to `expected` (with expected's own algorithm). */
export function verifyBytes(bytes: Buffer, expected: string, what: string): void {
  const actual = digestBytes(bytes, parseDigest(expected).algorithm);
  if (actual !== expected) {
    throw new HoistError('DIGEST_MISMATCH', `digest mismatch for ${what}: expected ${expected}, got ${actual}`, { details: { expected, actual } });
  }
}
