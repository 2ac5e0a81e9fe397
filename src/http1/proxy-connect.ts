import { STATUS_CODES } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { abortError, HoistError } from '../errors.js';
import type { ProxyRoute } from './proxy-env.js';
import { MAX_HEAD_BYTES, parseResponseHead, protocolError } from './response-head.js';

/**
 * Getting through an HTTP proxy, as Go's Transport does it (`dialConn`): to an https URL, a
 * `CONNECT host:port` tunnel, inside which TLS runs end to end with the registry (its certificate
 * checked against the registry's name, never the proxy's); to an http URL, requests in
 * absolute-URI form sent to the proxy itself (`GET http://host/path`), which then sees every
 * header, the registry's Authorization included. Both carry the proxy's credentials as
 * `Proxy-Authorization`. Used by the bulk GETs here and by undici's Agent (registry/agent.ts).
 */

/** Go gives a proxy a minute to answer CONNECT; here, a minute of silence, connecting included. */
const TUNNEL_TIMEOUT_MS = 60_000;

/** Errors met on the way to a proxy, so that messages name the proxy (registry/network-errors.ts). */
const proxyErrors = new WeakMap<object, ProxyRoute>();

export function markProxyError<E>(error: E, proxy: ProxyRoute): E {
  if (typeof error === 'object' && error !== null && !(error instanceof HoistError)) proxyErrors.set(error, proxy);
  return error;
}

/** The proxy a connection error was met on the way to, if it was. */
export function proxyOfError(error: unknown): ProxyRoute | undefined {
  return typeof error === 'object' && error !== null ? proxyErrors.get(error) : undefined;
}

/** `host:port` of a URL, default port filled in: what CONNECT asks for. */
export function authorityOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

/** The one error for a proxy that answered CONNECT, or a request, with `status`: it names the proxy, never its credentials. */
export function proxyRefused(proxy: ProxyRoute, authority: string, status: number): HoistError {
  const hint =
    status !== 407
      ? undefined
      : proxy.authorization === undefined
        ? 'the proxy asks for credentials: give them in its URL, http://USER:PASSWORD@HOST:PORT'
        : 'the proxy refused the user and password in its URL';
  return new HoistError('CONNECTION_FAILED', `${proxy.label} refused to connect to ${authority}: ${status} ${STATUS_CODES[status] ?? 'unknown status'}`, {
    // A gateway error may pass (the proxy could not reach the registry for now); a refusal will not.
    retryable: status >= 500,
    ...(hint !== undefined ? { hint } : {}),
  });
}

/**
 * A TCP connection through `proxy` to `authority` (`host:port`), once the proxy has answered the
 * CONNECT with 200: what is written on it next reaches that host, and nothing has been read past
 * the proxy's answer. Any other answer, a silent proxy or a failed connection rejects.
 */
export function openTunnel(proxy: ProxyRoute, authority: string, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: proxy.hostname, port: proxy.port });
    let head = Buffer.alloc(0);
    const onAbort = () => fail(abortError(signal!));
    const cleanUp = () => {
      socket.removeListener('data', onData).removeListener('error', onError).removeListener('end', onEnd).removeListener('timeout', onTimeout);
      socket.setTimeout(0);
      signal?.removeEventListener('abort', onAbort);
    };
    function fail(error: unknown) {
      cleanUp();
      socket.destroy();
      reject(error);
    }
    function onData(bytes: Buffer) {
      head = Buffer.concat([head, bytes]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) fail(protocolError(proxy.label, `the answer to CONNECT is larger than ${MAX_HEAD_BYTES} bytes`));
        return;
      }
      let status: number;
      try {
        status = parseResponseHead(head.toString('latin1', 0, end), proxy.label).statusCode;
      } catch (error) {
        fail(error);
        return;
      }
      // As Go: only 200 opens the tunnel.
      if (status !== 200) fail(proxyRefused(proxy, authority, status));
      // The registry speaks only after our TLS ClientHello: bytes here would be the proxy's own.
      else if (head.length > end + 4) fail(protocolError(proxy.label, 'bytes followed its answer to CONNECT'));
      else {
        cleanUp();
        resolve(socket);
      }
    }
    const onError = (error: Error) => fail(markProxyError(error, proxy));
    const onEnd = () =>
      fail(markProxyError(Object.assign(new Error('the proxy closed the connection before answering CONNECT'), { code: 'ECONNRESET' }), proxy));
    const onTimeout = () =>
      fail(markProxyError(Object.assign(new Error(`no answer to CONNECT for ${TUNNEL_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }), proxy));
    socket.on('data', onData).on('error', onError).on('end', onEnd).on('timeout', onTimeout);
    socket.setTimeout(TUNNEL_TIMEOUT_MS);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const authorization = proxy.authorization !== undefined ? `proxy-authorization: ${proxy.authorization}\r\n` : '';
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n${authorization}\r\n`);
  });
}
