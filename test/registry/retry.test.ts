import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HoistError } from '../../src/errors.js';
import { parseRetryAfter, retryDelay, RetryAfterError, shouldRetry } from '../../src/registry/retry.js';

const transient = new HoistError('REGISTRY_ERROR', 'x', { retryable: true });

test('Retry-After in seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('exponential backoff from 1 s with jitter, capped', () => {
  for (const [failures, low, high] of [
    [0, 500, 1000],
    [1, 1000, 2000],
    [2, 2000, 4000],
    [10, 15_000, 30_000],
  ] as const) {
    const delay = retryDelay({ retries: 3 }, failures, transient);
    assert.ok(delay >= low && delay <= high, `failure ${failures}: ${delay}`);
  }
});

test('a fixed --retry-delay, and Retry-After before both (capped at a minute)', () => {
  assert.equal(retryDelay({ retries: 3, fixedDelayMs: 250 }, 2, transient), 250);
  assert.equal(retryDelay({ retries: 3, fixedDelayMs: 250 }, 0, new RetryAfterError(transient, 2000)), 2000);
  assert.equal(retryDelay({ retries: 3 }, 0, new RetryAfterError(transient, 3_600_000)), 60_000);
});

test('only retryable errors, and only while tries remain', () => {
  assert.equal(shouldRetry({ retries: 2 }, 1, transient), true);
  assert.equal(shouldRetry({ retries: 2 }, 2, transient), false);
  assert.equal(shouldRetry({ retries: 2 }, 0, new HoistError('UNAUTHORIZED', 'no')), false);
  assert.equal(shouldRetry({ retries: 2 }, 0, transient, AbortSignal.abort()), false);
});
