import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isHoistError } from '../../src/errors.js';
import { localImageName } from '../../src/reference/index.js';

const HEX = createHash('sha256').update('local names').digest('hex');

test('localImageName names short names under localhost/ and adds :latest', () => {
  assert.equal(localImageName('app'), 'localhost/app:latest');
  assert.equal(localImageName('team/app:2'), 'localhost/team/app:2');
  assert.equal(localImageName('docker.io/app'), 'docker.io/library/app:latest');
  // A digest algorithm under a registry, or as a tag, reads as no ID.
  assert.equal(localImageName(`quay.io/sha256:${HEX}`), `quay.io/sha256:${HEX}`);
  assert.equal(localImageName(`app:${HEX}`), `localhost/app:${HEX}`);
});

const refused: [input: string, reason: string][] = [
  // A digest name must only ever mean the manifest with that digest; a tag has no such proof.
  [`app@sha256:${HEX}`, 'tag by digest not supported'],
  [`quay.io/team/app@sha256:${HEX}`, 'tag by digest not supported'],
  [`app:1@sha256:${HEX}`, 'tag by digest not supported'],
  // These would read as image IDs.
  [`sha256:${HEX}`, 'a digest algorithm cannot be a repository name: sha256:… reads as an image ID'],
  ['sha256:abc', 'a digest algorithm cannot be a repository name: sha256:… reads as an image ID'],
  ['sha512', 'a digest algorithm cannot be a repository name: sha512:… reads as an image ID'],
  [HEX, 'cannot specify 64-byte hexadecimal strings'],
  [`${HEX}:v1`, 'cannot specify 64-byte hexadecimal strings'],
  ['localhost:70000/app', 'invalid port in domain "localhost:70000": 70000 is above 65535'],
];

for (const [input, reason] of refused) {
  test(`localImageName refuses ${input.length > 50 ? `${input.slice(0, 40)}…` : input}`, () => {
    assert.throws(
      () => localImageName(input),
      (err: unknown) => isHoistError(err, 'INVALID_REFERENCE') && err.message === `invalid reference "${input}": ${reason}`,
    );
  });
}

test('a refused name is quoted with its control characters escaped', () => {
  assert.throws(
    () => localImageName('foo\x1b[31m\nError: forged\u009b'),
    (err: unknown) =>
      isHoistError(err, 'INVALID_REFERENCE') && err.message === 'invalid reference "foo\\u001b[31m\\nError: forged\\u009b": repository name must be lowercase',
  );
});
