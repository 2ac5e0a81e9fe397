import { abortError, HoistError } from '../errors.js';
import { authorityOf, proxyOfError } from '../http1/proxy-connect.js';
import { TLS_HANDSHAKE_TIMEOUT } from '../http1/tls.js';
import { shownUrl } from './urls.js';

/** Connections that ran out of time before the server had said anything at all. */
const CONNECT_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', TLS_HANDSHAKE_TIMEOUT]);

/**
 * Failures that a new connection may not meet again: refusals (a registry that is still starting,
 * as CI jobs start them late), unreachable networks, resets, timeouts, early closes; the errno
 * list of containers/common's pkg/retry, which Podman retries.
 */
const RETRYABLE = new Set([
  ...CONNECT_TIMEOUTS,
  'ECONNREFUSED',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** OpenSSL certificate-verification codes, as Node reports them, and Node's own TLS codes. */
const TLS_CODE = /^ERR_(SSL|TLS)_|CERT|^UNABLE_TO_|SELF_SIGNED|^INVALID_CA$|^HOSTNAME_MISMATCH$|^PATH_LENGTH_EXCEEDED$|^INVALID_PURPOSE$|^EPROTO$/;

/**
 * Maps a failure to reach `url` (DNS, refused, reset, timeout, TLS) to a HoistError naming the
 * host and port, and the proxy when it was met on the way to one. HoistErrors pass through; an
 * abort becomes the abort's error.
 */
export function networkError(error: unknown, url: URL, signal?: AbortSignal): HoistError {
  if (signal?.aborted) return abortError(signal);
  if (error instanceof HoistError) return error;
  const code = String((error as NodeJS.ErrnoException)?.code ?? '');
  const detail = (error as Error)?.message ?? String(error);
  const proxy = proxyOfError(error);
  const where = proxy === undefined ? authorityOf(url) : `${proxy.label} for ${authorityOf(url)}`;
  const details = { registry: url.host, url: shownUrl(url) };
  if (code === TLS_HANDSHAKE_TIMEOUT) {
    return new HoistError('CONNECTION_FAILED', `connection to ${where} failed: ${detail}; the server took the connection and said nothing`, {
      cause: error,
      details,
      retryable: true,
      hint: `check that ${url.host} is the registry's HTTPS address: a wrong port, or a firewall that swallows TLS, looks like this`,
    });
  }
  if (TLS_CODE.test(code)) {
    // OpenSSL's messages carry a source-file trail; its `reason` is the readable part.
    const reason = String((error as { reason?: unknown }).reason ?? detail);
    const why = code === 'ERR_SSL_WRONG_VERSION_NUMBER' ? `the server does not speak TLS (${reason}); is it a plain-HTTP registry?` : reason;
    return new HoistError('TLS_ERROR', `TLS error talking to ${where}: ${why}`, {
      cause: error,
      details,
      hint: `if ${url.host} uses a private CA, put it in a certs.d directory for it or pass --cert-dir DIR; --tls-verify=false skips verification and allows plain HTTP (unsafe)`,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new HoistError('CONNECTION_FAILED', `cannot connect to ${where}: DNS lookup of ${proxy?.hostname ?? url.hostname} failed (${code})`, {
      cause: error,
      details,
      retryable: RETRYABLE.has(code),
    });
  }
  if (code === 'ECONNREFUSED') {
    return new HoistError('CONNECTION_FAILED', `cannot connect to ${where}: connection refused`, { cause: error, details, retryable: true });
  }
  return new HoistError('CONNECTION_FAILED', `connection to ${where} failed: ${detail}${code ? ` (${code})` : ''}`, {
    cause: error,
    details,
    retryable: RETRYABLE.has(code),
  });
}

/** True when `error` (as raised by a connection, before networkError) is a connection that timed out before any answer. */
export function isConnectTimeout(error: unknown): boolean {
  return CONNECT_TIMEOUTS.has(String((error as NodeJS.ErrnoException)?.code ?? ''));
}
