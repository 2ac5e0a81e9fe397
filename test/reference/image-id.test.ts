import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageIdPrefix, isFullImageId, normalizeImageId } from '../../src/reference/index.js';

const ID = 'e7d92cdc71feacf90708cb59182d0df1b911f8ae022d29e8e95d75ca6a99776a';

test('isFullImageId', () => {
  const cases: Array<[string, boolean]> = [
    [ID, true],
    [ID.toUpperCase(), false],
    [ID.slice(1), false],
    [`${ID}0`, false],
    [`sha256:${ID}`, false],
    ['', false],
  ];
  for (const [input, want] of cases) assert.equal(isFullImageId(input), want, input);
});

test('normalizeImageId', () => {
  const cases: Array<[string, string | undefined]> = [
    [ID, ID],
    [`sha256:${ID}`, ID],
    [`sha256:${ID.slice(1)}`, undefined],
    [`sha512:${ID}`, undefined],
    [`sha256:sha256:${ID}`, undefined],
    [ID.toUpperCase(), undefined],
    ['fedora', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(normalizeImageId(input), want, input);
});

test('imageIdPrefix', () => {
  const cases: Array<[string, string | undefined]> = [
    ['e7d', 'e7d'],
    ['e7d92cdc71fe', 'e7d92cdc71fe'],
    [ID, ID],
    ['sha256:e7d92c', 'e7d92c'],
    [`sha256:${ID}`, ID],
    ['e7', undefined],
    ['sha256:e7', undefined],
    [`${ID}0`, undefined],
    ['E7D92C', undefined],
    ['e7d92g', undefined],
    ['fedora', undefined],
    ['sha256:', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(imageIdPrefix(input), want, input);
});

test('an image whose config is addressed by sha512 has a 128-hex ID, found whole and by prefix', () => {
  const long = `${ID}${ID}`;
  assert.equal(isFullImageId(long), true);
  assert.equal(normalizeImageId(long), long);
  assert.equal(normalizeImageId(`sha512:${long}`), long);
  assert.equal(normalizeImageId(`sha256:${long}`), undefined, 'a sha256 ID has 64 hex');
  assert.equal(imageIdPrefix(long), long);
  assert.equal(imageIdPrefix(`sha512:${long.slice(0, 100)}`), long.slice(0, 100));
  assert.equal(imageIdPrefix(long.slice(0, 100)), undefined, 'a bare prefix longer than a sha256 ID reads as neither');
});
