import { setTimeout as sleep } from 'node:timers/promises';
import { abortError, HoistError, type Warning } from '../errors.js';
import { debug } from './log.js';
import { DEFAULT_RETRIES, type RegistrySourceOptions } from './options.js';

export interface RetryPolicy {
  /** Tries after the first one. */
  retries: number;
  /** `--retry-delay`: the same delay before every try; otherwise exponential backoff. */
  fixedDelayMs?: number;
  /** Told of each retry before its pause (see retryWarning); default: the debug log only. */
  onWarning?: (warning: Warning) => void;
}

const FIRST_DELAY_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** A server asking for a longer pause than this (Retry-After) is asked again after this long. */
const MAX_RETRY_AFTER_MS = 60_000;

export function retryPolicy(options: Pick<RegistrySourceOptions, 'retry' | 'retryDelayMs' | 'onWarning'>): RetryPolicy {
  return {
    retries: options.retry ?? DEFAULT_RETRIES,
    ...(options.retryDelayMs !== undefined ? { fixedDelayMs: options.retryDelayMs } : {}),
    ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
  };
}

/** An error that says how long the server asked us to wait (429/503 `Retry-After`). */
export class RetryAfterError extends HoistError {
  readonly retryAfterMs: number | undefined;

  constructor(error: HoistError, retryAfterMs: number | undefined) {
    super(error.code, error.message, {
      retryable: error.retryable,
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      cause: error.cause,
      details: error.details,
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The pause before try number `failures + 1`: the server's Retry-After when it sent one (capped),
 * else the fixed delay, else 1 s doubling per failure, capped, with jitter so that parallel
 * downloads that failed together do not come back together.
 */
export function retryDelay(policy: RetryPolicy, failures: number, error: unknown): number {
  const retryAfter = error instanceof RetryAfterError ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  if (policy.fixedDelayMs !== undefined) return policy.fixedDelayMs;
  const base = Math.min(FIRST_DELAY_MS * 2 ** failures, MAX_BACKOFF_MS);
  return base / 2 + Math.random() * (base / 2);
}

/** True when `error` may go away if the same request is made again, and tries remain. */
export function shouldRetry(policy: RetryPolicy, failures: number, error: unknown, signal?: AbortSignal): boolean {
  return failures < policy.retries && !signal?.aborted && error instanceof HoistError && error.retryable;
}

/**
 * Podman's warning for a retry (containers/common pkg/retry), word for word, so that a CI log
 * reads the same: `Failed, retrying in 2s ... (1/3). Error: …`. The error is a HoistError's
 * message (shouldRetry retries nothing else), which names no secret.
 */
export function retryWarning(policy: RetryPolicy, failures: number, error: unknown, ms: number): Warning {
  return {
    code: 'RETRY',
    message: `Failed, retrying in ${goDuration(ms)} ... (${failures + 1}/${policy.retries}). Error: ${(error as Error).message}`,
  };
}

/** A pause as Go prints a time.Duration (`750ms`, `2s`, `1.5s`), to the millisecond. */
function goDuration(ms: number): string {
  const whole = Math.round(ms);
  return whole < 1000 ? `${whole}ms` : `${Number((whole / 1000).toFixed(3))}s`;
}

/** Waits before the next try, after warning of it; an abort during the wait ends it with the abort's error. */
export async function pauseBeforeRetry(policy: RetryPolicy, failures: number, error: unknown, what: string, signal?: AbortSignal): Promise<void> {
  const ms = retryDelay(policy, failures, error);
  debug('%s failed (%s); try %d of %d in %d ms', what, (error as Error).message, failures + 1, policy.retries, Math.round(ms));
  policy.onWarning?.(retryWarning(policy, failures, error, ms));
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    throw abortError(signal!);
  }
}

/** Runs `operation` until it succeeds, fails for good, or runs out of tries. */
export async function withRetries<T>(policy: RetryPolicy, what: string, signal: AbortSignal | undefined, operation: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await operation();
    } catch (error) {
      if (!shouldRetry(policy, failures, error, signal)) throw error;
      await pauseBeforeRetry(policy, failures, error, what, signal);
    }
  }
}
