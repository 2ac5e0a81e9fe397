/**
 * Reads signatures from a lookaside (containers-registries.d(5) `lookaside`), laid
 * out as containers/image lays it out (docs/signature-protocols.md):
 * `<base>/<repository path>@<algorithm>=<hex>/signature-<N>`, N = 1, 2, … up to the first missing.
 *
 * A lookaside is another origin than the registry, often a plain web server or a directory. It
 * never gets the registry's credentials, its TLS is always verified (the registry's
 * `--tls-verify=false` does not carry over to it), and each read is bounded in size and time.
 */
import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { abortError, HoistError, printable, type Warning } from '../errors.js';
import type { ProxyRules } from '../http1/proxy-env.js';
import { readSmallFileIfPresent } from '../io/open-regular-file.js';
import { MAX_SIGNATURES, MAX_SIGNATURE_BYTES, signatureFromBlob, type Signature } from '../manifest/index.js';
import { parseDigest, type ParsedDigest } from '../reference/index.js';
import { dispatcherFor } from './agent.js';
import { discard, headerValue, readBounded } from './body.js';
import { debug } from './log.js';
import { networkError } from './network-errors.js';
import { parseRetryAfter, RetryAfterError, withRetries, type RetryPolicy } from './retry.js';
import { request } from './undici.js';

/**
 * How long one signature may take, from connecting to its last byte. The registry's connections
 * give up on a silent peer after a minute (agent.ts); a lookaside gets the same minute for the whole
 * read, since a signature is at most a few KiB and a server that trickles it is as broken as a mute one.
 */
export const LOOKASIDE_READ_TIMEOUT_MS = 60_000;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export interface LookasideOptions {
  signal?: AbortSignal;
  /** Retries of one HTTP read that failed in a way that may pass (5xx, 429, resets, timeouts); default none. */
  retry?: RetryPolicy;
  /** Overrides LOOKASIDE_READ_TIMEOUT_MS (tests). */
  timeoutMs?: number;
  /** Receives what containers/image only warns about (an HTML answer); default: the debug log. */
  onWarning?: (warning: Warning) => void;
  /** The connection pool for http(s) lookasides; default the process-wide one for `proxies`, with the default CA store. */
  dispatcher?: Dispatcher;
  /** The proxies a lookaside is reached through (the registry client's); default none. */
  proxies?: ProxyRules;
}

/** Reads signature n, or says it is missing (undefined): the list ends there. */
type ReadOne = (n: number) => Promise<{ bytes: Buffer; where: string } | undefined>;

/**
 * The signatures of manifest `manifestDigest` of repository `repositoryPath` (`library/fedora`,
 * without the registry host) below `base`, in order. A `file:` base reads files (a missing one ends
 * the list); an `http:`/`https:` base GETs them (404 ends the list).
 */
export async function readLookasideSignatures(base: URL, repositoryPath: string, manifestDigest: string, options: LookasideOptions = {}): Promise<Signature[]> {
  // Both go into a URL or a file path: a digest or path with `..` in it must not reach one.
  const digest = parseDigest(manifestDigest);
  checkRepositoryPath(repositoryPath);
  const read = reader(base, (n) => signaturePath(repositoryPath, digest, n), options);
  const signatures: Signature[] = [];
  for (let n = 1; ; n++) {
    const found = await read(n);
    if (found === undefined) return signatures;
    // containers/image stops at 128 without looking further; hoist accepts exactly 128 and only
    // refuses a server that really has more.
    if (n > MAX_SIGNATURES) {
      throw new HoistError('REGISTRY_ERROR', `server provided ${MAX_SIGNATURES} signatures, assuming that's unreasonable and a server error`);
    }
    signatures.push(signatureFromBlob(found.bytes, `parsing signature ${found.where}`));
  }
}

/** `<repository path>@<algorithm>=<hex>/signature-<n>`, relative to the lookaside base. */
function signaturePath(repositoryPath: string, digest: ParsedDigest, n: number): string {
  return `${repositoryPath}@${digest.algorithm}=${digest.hex}/signature-${n}`;
}

function checkRepositoryPath(path: string): void {
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new HoistError('INVALID_REFERENCE', `unexpected path elements in repository ${printable(JSON.stringify(path))} for signature storage`);
  }
}

function reader(base: URL, relative: (n: number) => string, options: LookasideOptions): ReadOne {
  const url = (n: number) => urlBelow(base, relative(n));
  switch (base.protocol) {
    case 'file:':
      return (n) => readSignatureFile(localPath(url(n)), options.signal);
    case 'http:':
    case 'https:':
      return (n) => getSignature(url(n), options);
    default:
      throw new HoistError('INVALID_CONFIG', `Unsupported scheme when reading signature from ${printableUrl(url(1))}`);
  }
}

/**
 * The base's path, a slash, then `relative`; query and fragment stay. containers/image joins the
 * same way but keeps a trailing slash of the base (`…/sigs//repo`); hoist drops it, because a path
 * that starts with `//` reads as a host to some servers: a WHATWG URL's path is never empty, so
 * `https://host` would otherwise become `https://host//repo`.
 */
function urlBelow(base: URL, relative: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/${relative}`;
  return url;
}

function localPath(url: URL): string {
  try {
    return fileURLToPath(url);
  } catch (err) {
    throw new HoistError('INVALID_CONFIG', `signature location ${printableUrl(url)} is not a local file URL: ${printable((err as Error).message)}`);
  }
}

/** One signature file, at most MAX_SIGNATURE_BYTES; undefined when it does not exist. */
async function readSignatureFile(path: string, signal: AbortSignal | undefined): Promise<{ bytes: Buffer; where: string } | undefined> {
  if (signal?.aborted) throw abortError(signal);
  const where = printable(path);
  // Never waiting: a FIFO left in the lookaside must not make the open wait for a writer forever.
  const bytes = await readSmallFileIfPresent(path, MAX_SIGNATURE_BYTES, (failure, cause) => {
    switch (failure.reason) {
      case 'not-regular':
        return new HoistError('INVALID_SIGNATURE', `reading signature from ${where}: not a regular file`);
      case 'too-large':
        return tooLarge(where);
      case 'unreadable':
        return new HoistError('REGISTRY_ERROR', `reading signature from ${where}: ${printable(failure.message)}`, { cause });
    }
  });
  return bytes === undefined ? undefined : { bytes, where };
}

function tooLarge(where: string): HoistError {
  return new HoistError('INVALID_SIGNATURE', `signature ${where} is larger than ${MAX_SIGNATURE_BYTES} bytes`);
}

/** One signature over HTTP, tried again as `options.retry` allows; undefined on 404. */
function getSignature(url: URL, options: LookasideOptions): Promise<{ bytes: Buffer; where: string } | undefined> {
  const where = printableUrl(url);
  return withRetries(options.retry ?? { retries: 0 }, `signature ${where}`, options.signal, async () => {
    const timeoutMs = options.timeoutMs ?? LOOKASIDE_READ_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const bytes = await getOnce(url, where, options, options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]));
      return bytes === undefined ? undefined : { bytes, where };
    } catch (err) {
      if (deadline.aborted && !options.signal?.aborted) {
        throw new HoistError('CONNECTION_FAILED', `reading signature from ${where}: no complete answer within ${timeoutMs} ms`, {
          retryable: true,
          cause: err,
        });
      }
      throw err;
    }
  });
}

/**
 * One GET with no credentials at all (no Authorization, no cookies, not even userinfo from the
 * URL), following redirects by hand so that https never leads to plain http.
 */
async function getOnce(url: URL, where: string, options: LookasideOptions, signal: AbortSignal): Promise<Buffer | undefined> {
  const dispatcher = options.dispatcher ?? dispatcherFor({ insecure: false }, options.proxies);
  let current = url;
  for (let hops = 0; ; hops++) {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(current, { dispatcher, method: 'GET', headers: {}, signal });
    } catch (err) {
      throw connectionError(err, current, where, options.signal);
    }
    const status = response.statusCode;
    debug('lookaside GET %s → %d', printableUrl(current), status);
    const location = headerValue(response.headers.location);
    if (REDIRECTS.has(status) && location !== undefined) {
      discard(response.body);
      if (hops === MAX_REDIRECTS) throw new HoistError('REGISTRY_ERROR', `reading signature from ${where}: too many redirects`);
      current = redirectTarget(current, location, where);
      continue;
    }
    if (status === 404) {
      discard(response.body);
      return undefined;
    }
    if (status !== 200) {
      discard(response.body);
      throw statusError(status, where, response.headers['retry-after']);
    }
    warnAboutHtml(headerValue(response.headers['content-type']), where, options.onWarning);
    return readBounded(response.body, response.headers['content-length'], MAX_SIGNATURE_BYTES, { code: 'INVALID_SIGNATURE', what: `signature ${where}` }).catch(
      (err: unknown) => {
        throw connectionError(err, current, where, options.signal);
      },
    );
  }
}

function redirectTarget(from: URL, location: string, where: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new HoistError('REGISTRY_ERROR', `reading signature from ${where}: the server redirected to an invalid URL`);
  }
  const allowed = next.protocol === 'https:' || (next.protocol === 'http:' && from.protocol === 'http:');
  if (!allowed) {
    throw new HoistError('REGISTRY_ERROR', `reading signature from ${where}: refusing the redirect to ${printableUrl(next)}, which is not HTTPS`);
  }
  return next;
}

/** `status N (reason)`, as containers/image words an unexpected status; 408, 429 and 5xx may pass. */
function statusError(status: number, where: string, retryAfter: string | string[] | undefined): HoistError {
  const retryable = status === 408 || status === 429 || status >= 500;
  const error = new HoistError('REGISTRY_ERROR', `reading signature from ${where}: status ${status} (${STATUS_CODES[status] ?? 'unknown status'})`, {
    retryable,
  });
  return retryable ? new RetryAfterError(error, parseRetryAfter(retryAfter)) : error;
}

/** A network failure, named as a failure to read the signature; no certs.d hint (that is the registry's). */
function connectionError(err: unknown, url: URL, where: string, signal: AbortSignal | undefined): HoistError {
  // Our own errors (a body over the limit) already say what they are about.
  if (err instanceof HoistError) return err;
  const error = networkError(err, url, signal);
  if (error.code === 'ABORTED') return error;
  return new HoistError(error.code, `reading signature from ${where}: ${error.message}`, {
    retryable: error.retryable,
    cause: error.cause ?? error,
    details: error.details,
  });
}

/**
 * The lookaside protocol does not constrain Content-Type, so HTML only earns a warning, as in
 * containers/image; if it really is an HTML page, signatureFromBlob refuses it next.
 */
function warnAboutHtml(contentType: string | undefined, where: string, onWarning: LookasideOptions['onWarning']): void {
  if (contentType === undefined || contentType.split(';')[0]!.trim().toLowerCase() !== 'text/html') return;
  const message = `signature ${where} has Content-Type ${printable(JSON.stringify(contentType))}, unexpected for a signature`;
  if (onWarning === undefined) debug('%s', message);
  else onWarning({ code: 'SIGNATURE_SOURCE', message });
}

/**
 * A URL as messages show it: scheme, host and path, never userinfo or the query string (signed
 * storage URLs carry their secrets there). The URL parser has already percent-encoded any control
 * characters in them.
 */
function printableUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
