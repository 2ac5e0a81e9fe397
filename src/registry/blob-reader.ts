import { Readable } from 'node:stream';
import { HoistError } from '../errors.js';
import type { Descriptor } from '../manifest/index.js';
import { discard, headerValue } from './body.js';
import type { RegistryClient, RegistryResponse } from './client.js';
import { debug } from './log.js';
import { networkError } from './network-errors.js';
import { pauseBeforeRetry, shouldRetry, withRetries } from './retry.js';

/**
 * Opens a blob as a stream of exactly its bytes. The first response is awaited here, so a
 * missing blob or refused access fails at once. After that, an interrupted download (reset,
 * timeout, truncated body, 5xx on resume) resumes inside the stream with `Range: bytes=N-`, or
 * starts over and skips N bytes when the server ignores the range: whoever reads the stream (and
 * hashes it) never sees the interruption.
 */
export async function openBlob(client: RegistryClient, desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
  const what = `blob ${desc.digest}`;
  const get = (offset: number, requestSignal: AbortSignal) =>
    client.send({
      method: 'GET',
      path: `/v2/${client.path}/blobs/${desc.digest}`,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      subject: { kind: 'blob', name: `${client.repository}@${desc.digest}` },
      signal: requestSignal,
    });
  // Aborted when the reader is destroyed, so a pending read never outlives its consumer.
  const controller = new AbortController();
  const combined = signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]);
  const first = await withRetries(client.retry, what, combined, () => get(0, combined));
  return new BlobReader(readChunks(first, { client, size: desc.size, what, signal: combined, get }), controller);
}

interface ReadContext {
  client: RegistryClient;
  size: number;
  what: string;
  signal: AbortSignal;
  get: (offset: number, signal: AbortSignal) => Promise<RegistryResponse>;
}

async function* readChunks(first: RegistryResponse, ctx: ReadContext): AsyncGenerator<Buffer> {
  let offset = 0;
  let failures = 0;
  let pending: RegistryResponse | undefined = first;
  for (;;) {
    try {
      const response = pending ?? (await ctx.get(offset, ctx.signal));
      pending = undefined;
      try {
        let skip = bytesToSkip(response, offset, ctx);
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          if (skip >= chunk.length) {
            skip -= chunk.length;
            continue;
          }
          const fresh = skip > 0 ? chunk.subarray(skip) : chunk;
          skip = 0;
          offset += fresh.length;
          yield fresh;
        }
      } catch (err) {
        throw networkError(err, response.url, ctx.signal);
      } finally {
        discard(response.body);
      }
      if (offset >= ctx.size) return;
      throw new HoistError('CONNECTION_FAILED', `${ctx.what}: the connection ended after ${offset} of ${ctx.size} bytes`, { retryable: true });
    } catch (error) {
      if (!shouldRetry(ctx.client.retry, failures, error, ctx.signal)) throw error;
      await pauseBeforeRetry(ctx.client.retry, failures++, error, `${ctx.what} at byte ${offset}`, ctx.signal);
      debug('resuming %s at byte %d of %d', ctx.what, offset, ctx.size);
    }
  }
}

/**
 * How many leading bytes of a response we already have. A 206 must start exactly where we asked
 * (its Content-Range is checked); a 200 is the whole blob again (the range was ignored).
 */
function bytesToSkip(response: RegistryResponse, offset: number, ctx: ReadContext): number {
  if (offset === 0 || response.status === 200) return offset;
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(response.headers['content-range']) ?? '');
  if (response.status !== 206 || range === null || Number(range[1]) !== offset || (range[3] !== '*' && Number(range[3]) !== ctx.size)) {
    throw new HoistError(
      'REGISTRY_ERROR',
      `${ctx.what}: asked to resume at byte ${offset}, the registry answered ${response.status} with Content-Range ${JSON.stringify(headerValue(response.headers['content-range']) ?? '')}`,
    );
  }
  return 0;
}

/** A Readable over an async chunk source, which aborts the source's requests when destroyed. */
class BlobReader extends Readable {
  readonly #chunks: AsyncGenerator<Buffer>;
  readonly #controller: AbortController;

  constructor(chunks: AsyncGenerator<Buffer>, controller: AbortController) {
    super({ highWaterMark: 1 << 20 });
    this.#chunks = chunks;
    this.#controller = controller;
  }

  override _read(): void {
    this.#chunks.next().then(
      ({ value, done }) => this.push(done ? null : value),
      (err: unknown) => this.destroy(err as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#controller.abort(error ?? undefined);
    // Ends the generator if it waits at a `yield`, which closes the response it reads.
    this.#chunks.return(undefined).catch(() => undefined);
    callback(error);
  }
}
