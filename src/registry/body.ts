import { HoistError, type ErrorCode } from '../errors.js';

/**
 * A response body: undici's, or a BulkBody (src/http1/bulk-get.ts). Both can be dumped, or iterated
 * (small bodies): an iteration yields every byte of the body or throws, never stops early.
 */
export interface ResponseBody extends AsyncIterable<Buffer> {
  dump(): Promise<unknown>;
}

/**
 * Lets go of a body we no longer need, without ever throwing: a small rest is drained so the
 * connection can serve the next request, a large one is cut off (undici's dump limit).
 */
export function discard(body: ResponseBody): void {
  body.dump().catch(() => undefined);
}

/**
 * Reads a whole response body that must stay small (manifests, token replies, tag lists). A body
 * announcing more than `max` bytes is refused before reading; one that runs past it is cut off.
 */
export async function readBounded(
  body: ResponseBody,
  contentLength: string | string[] | undefined,
  max: number,
  tooLarge: { code: ErrorCode; what: string },
): Promise<Buffer> {
  const fail = () => new HoistError(tooLarge.code, `${tooLarge.what} is larger than ${max} bytes`);
  const announced = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (announced > max) {
    discard(body);
    throw fail();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) throw fail();
      chunks.push(chunk);
    }
  } finally {
    discard(body);
  }
  return Buffer.concat(chunks, size);
}

/** The first value of a response header. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
