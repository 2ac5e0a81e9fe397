import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isValidDigest, parseDigest } from '../../src/reference/index.js';
import { HoistError } from '../../src/errors.js';

const H256 = createHash('sha256').update('hoist').digest('hex');
const H512 = createHash('sha512').update('hoist').digest('hex');

test('parseDigest accepts sha256 and sha512', () => {
  assert.deepEqual(parseDigest(`sha256:${H256}`), { algorithm: 'sha256', hex: H256 });
  assert.deepEqual(parseDigest(`sha512:${H512}`), { algorithm: 'sha512', hex: H512 });
  assert.equal(isValidDigest(`sha256:${H256}`), true);
  assert.equal(isValidDigest(`sha512:${H512}`), true);
});

const invalid: Array<[input: string, reason: string]> = [
  ['', 'expected "<algorithm>:<hex>"'],
  [H256, 'expected "<algorithm>:<hex>"'],
  [`:${H256}`, 'expected "<algorithm>:<hex>"'],
  [`md5:${H256.slice(0, 32)}`, 'unsupported digest algorithm "md5"'],
  [`sha384:${H512.slice(0, 96)}`, 'unsupported digest algorithm "sha384"'],
  [`SHA256:${H256}`, 'unsupported digest algorithm "SHA256"'],
  [`sha256:${H256.slice(1)}`, 'sha256 digest must have 64 hex characters, got 63'],
  [`sha256:${H256}0`, 'sha256 digest must have 64 hex characters, got 65'],
  ['sha256:', 'sha256 digest must have 64 hex characters, got 0'],
  [`sha512:${H256}`, 'sha512 digest must have 128 hex characters, got 64'],
  [`sha256:${H256.toUpperCase()}`, 'digest hex must be lowercase hexadecimal'],
  [`sha256:${'g'.repeat(64)}`, 'digest hex must be lowercase hexadecimal'],
  [`sha256:${H256.slice(0, 63)}:`, 'digest hex must be lowercase hexadecimal'],
];

for (const [input, reason] of invalid) {
  test(`parseDigest rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => parseDigest(input),
      (err: unknown) => {
        assert.ok(err instanceof HoistError);
        assert.equal(err.code, 'INVALID_DIGEST');
        assert.equal(err.message, `invalid digest "${input}": ${reason}`);
        return true;
      },
    );
    assert.equal(isValidDigest(input), false);
  });
}
