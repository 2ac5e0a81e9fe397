import { HoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { watchSink } from '../io/watched-sink.js';
import type { Descriptor } from '../manifest/index.js';
import { discard, headerValue } from './body.js';
import type { BulkBody } from '../http1/bulk-get.js';
import type { RegistryClient, RegistryResponse } from './client.js';
import { debug } from './log.js';
import { networkError } from './network-errors.js';
import { pauseBeforeRetry, shouldRetry } from './retry.js';

/**
 * A try that delivered this many new bytes before it failed renews the retry budget: a long
 * download over a link that drops every few hundred MB keeps resuming, however many drops it
 * meets, while a server that fails without progress still fails after --retry tries. The same
 * threshold as containers/image's (bodyReaderMinimumProgress). It also bounds the whole: each
 * renewal takes 1 MiB more of a blob whose size the manifest fixed, so a blob gets at most
 * (retries + 1) × (size / 1 MiB + 1) tries, and a server that hands out a few bytes a try buys none.
 */
const PROGRESS_RENEWS_BUDGET = 1024 * 1024;

/**
 * Delivers a blob's bytes from `start` on into `sink`, exactly once each. A failed request (5xx, 429) is retried,
 * and an interrupted download (reset, timeout, truncated body) resumes with `Range: bytes=N-`, or
 * starts over and skips N bytes when the server ignores the range: the sink, which hashes, never
 * sees the interruption. Failures of the sink itself (a size overrun, a full disk) end it at once.
 */
export async function readBlob(client: RegistryClient, desc: Descriptor, sink: ChunkSink, signal?: AbortSignal, start = 0): Promise<void> {
  const what = `blob ${desc.digest}`;
  const watched = watchSink(sink);
  /** Bytes the sink has (from `start`, what an earlier download left): where a resumed request starts. */
  const offset = () => start + watched.bytes;
  /** Failures since the last try that moved the download forward by PROGRESS_RENEWS_BUDGET. */
  let failures = 0;
  for (;;) {
    const startedAt = offset();
    try {
      if (startedAt > 0) debug('resuming %s at byte %d of %d', what, startedAt, desc.size);
      const response = await client.sendBulk({
        path: `/v2/${client.path}/blobs/${desc.digest}`,
        headers: startedAt > 0 ? { range: `bytes=${startedAt}-` } : {},
        subject: { kind: 'blob', name: `${client.repository}@${desc.digest}` },
        ...(signal !== undefined ? { signal } : {}),
      });
      await readResponse(response, startedAt, desc.size, what, watched.sink, signal);
      if (offset() >= desc.size) return;
      throw new HoistError('CONNECTION_FAILED', `${what}: the connection ended after ${offset()} of ${desc.size} bytes`, { retryable: true });
    } catch (error) {
      if (watched.failure !== undefined) throw watched.failure.error;
      if (offset() - startedAt >= PROGRESS_RENEWS_BUDGET) failures = 0;
      if (!shouldRetry(client.retry, failures, error, signal)) throw error;
      await pauseBeforeRetry(client.retry, failures, error, `${what} at byte ${offset()}`, signal);
      failures++;
    }
  }
}

/** Hands one response's new bytes to `deliver`: those after `offset` when it is the whole blob again. */
async function readResponse(
  response: RegistryResponse<BulkBody>,
  offset: number,
  size: number,
  what: string,
  deliver: ChunkSink,
  signal: AbortSignal | undefined,
): Promise<void> {
  let skip: number;
  try {
    skip = bytesToSkip(response, offset, size, what);
  } catch (error) {
    discard(response.body);
    throw error;
  }
  try {
    await response.body.pipeTo((chunk) => {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        return undefined;
      }
      const fresh = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      return deliver(fresh);
    });
  } catch (error) {
    throw networkError(error, response.url, signal);
  }
}

/**
 * How many leading bytes of a response we already have. A 206 must start exactly where we asked
 * (its Content-Range is checked); a 200 is the whole blob again (the range was ignored).
 */
function bytesToSkip(response: RegistryResponse<BulkBody>, offset: number, size: number, what: string): number {
  if (offset === 0 || response.status === 200) return offset;
  const contentRange = headerValue(response.headers['content-range']) ?? '';
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
  if (response.status !== 206 || range === null || Number(range[1]) !== offset || (range[3] !== '*' && Number(range[3]) !== size)) {
    throw new HoistError(
      'REGISTRY_ERROR',
      `${what}: asked to resume at byte ${offset}, the registry answered ${response.status} with Content-Range ${JSON.stringify(contentRange)}`,
    );
  }
  return 0;
}
