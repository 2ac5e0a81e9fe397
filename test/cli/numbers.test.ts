import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerSetting, parseDuration } from '../../src/cli/numbers.js';
import { isHoistError } from '../../src/errors.js';

test('--retry and --max-parallel-downloads take the ranges hoist.toml takes', () => {
  assert.equal(integerSetting('--retry', 0, 'retry'), 0);
  assert.equal(integerSetting('--retry', 100, 'retry'), 100);
  assert.equal(integerSetting('--max-parallel-downloads', 256, 'max-parallel-downloads'), 256);
  const refused: [flag: string, value: number, setting: 'retry' | 'max-parallel-downloads', message: string][] = [
    ['--retry', 1e308, 'retry', '--retry must be an integer from 0 to 100, not 1e+308'],
    ['--retry', -1, 'retry', '--retry must be an integer from 0 to 100, not -1'],
    ['--retry', 1.5, 'retry', '--retry must be an integer from 0 to 100, not 1.5'],
    ['--max-parallel-downloads', 0, 'max-parallel-downloads', '--max-parallel-downloads must be an integer from 1 to 256, not 0'],
    ['--max-parallel-downloads', 257, 'max-parallel-downloads', '--max-parallel-downloads must be an integer from 1 to 256, not 257'],
  ];
  for (const [flag, value, setting, message] of refused) {
    assert.throws(
      () => integerSetting(flag, value, setting),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && err.message === message,
      message,
    );
  }
});

test('--retry-delay takes at most an hour, so a timer never overflows into firing at once', () => {
  assert.equal(parseDuration('--retry-delay', '60m'), 3_600_000);
  assert.equal(parseDuration('--retry-delay', '1.5s'), 1500);
  assert.throws(
    () => parseDuration('--retry-delay', '99999999m'),
    (err: unknown) =>
      isHoistError(err, 'INVALID_ARGUMENT') && err.message === '--retry-delay: "99999999m" is longer than an hour, the longest pause hoist takes between tries',
  );
});
