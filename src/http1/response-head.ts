import { HoistError } from '../errors.js';

/** A response head larger than this is refused: registries send a few hundred bytes. */
export const MAX_HEAD_BYTES = 64 * 1024;

export type Headers = Record<string, string | string[] | undefined>;

export interface ResponseHead {
  statusCode: number;
  /** Whether the server keeps the connection open after this response (HTTP/1.1 without `Connection: close`). */
  keepAlive: boolean;
  /** Lower-cased names; a repeated header becomes an array, as undici gives them. */
  headers: Headers;
}

/**
 * Parses an HTTP/1.x status line and header block (without the blank line that ends it).
 * Malformed input is a protocol error naming `where`: a lying or broken server fails cleanly.
 */
export function parseResponseHead(text: string, where: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (status === null) throw protocolError(where, `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  // A Map, not an object literal: a header named `constructor` or `__proto__` is just a header.
  const headers = new Map<string, string | string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) throw protocolError(where, `bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value]);
  }
  const connection = [headers.get('connection') ?? []]
    .flat()
    .join(',')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  const keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { statusCode: Number(status[2]), keepAlive, headers: Object.fromEntries(headers) };
}

/** How a response body is delimited (RFC 9112 §6.3, for the GET requests hoist makes). */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export function bodyFraming({ statusCode, headers }: ResponseHead, where: string): BodyFraming {
  if (statusCode === 204 || statusCode === 304) return { kind: 'none' };
  const encoding = headers['transfer-encoding'];
  if (encoding !== undefined) {
    const codings = [encoding]
      .flat()
      .join(',')
      .split(',')
      .map((c) => c.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') throw protocolError(where, `unsupported Transfer-Encoding "${[encoding].flat().join(', ')}"`);
    if (codings.length > 1) throw protocolError(where, `unsupported Transfer-Encoding "${[encoding].flat().join(', ')}"`);
    return { kind: 'chunked' };
  }
  const length = headers['content-length'];
  if (length === undefined) return { kind: 'close' };
  const values = new Set(
    [length]
      .flat()
      .join(',')
      .split(',')
      .map((v) => v.trim()),
  );
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    throw protocolError(where, `bad Content-Length ${JSON.stringify([length].flat().join(', '))}`);
  }
  return { kind: 'length', length: Number(only) };
}

export function protocolError(where: string, problem: string): HoistError {
  return new HoistError('REGISTRY_ERROR', `${where} sent a malformed HTTP response: ${problem}`);
}
