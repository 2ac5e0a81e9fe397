import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { authorityOf, markProxyError, openTunnel, proxyRefused } from '../http1/proxy-connect.js';
import { DIRECT, type ProxyRoute, type ProxyRules } from '../http1/proxy-env.js';
import { limitTlsHandshake, serverName, settingsKey, tlsConnectOptions, type TlsSettings } from '../http1/tls.js';
import { Agent, buildConnector } from './undici.js';

/**
 * One undici Agent for the whole process serves every registry with the default TLS settings and
 * no proxy. A registry with its own certs.d material, or an insecure one, gets an Agent of its own
 * (shared by every registry with the same settings), because a pooled connection must never be
 * reused under a different trust decision; so do other proxy settings (the `env` a caller gave).
 */
const agents = new Map<string, Dispatcher>();

export function dispatcherFor(settings: TlsSettings, proxies: ProxyRules = DIRECT): Dispatcher {
  const key = `${settingsKey(settings)} ${proxies.key}`;
  let dispatcher = agents.get(key);
  if (dispatcher === undefined) {
    const agent = new Agent({
      // Registries close idle connections after tens of seconds; keeping ours a little while
      // lets manifest, config and layer requests of one pull share TLS handshakes.
      keepAliveTimeout: 30_000,
      // Up to 6 blobs download at once (the copier's default) plus manifest and token requests;
      // a bound keeps a runaway caller from opening hundreds of sockets to one registry.
      connections: 8,
      // No HTTP/1.1 pipelining: one slow layer would hold back every request queued behind it on
      // its connection, and proxies and CDNs in front of registries mishandle pipelined requests.
      pipelining: 1,
      // A stalled connection fails after a minute instead of undici's 5-minute default; the blob
      // reader then resumes where it stopped.
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
      connect: connector(settings, proxies),
    });
    dispatcher = proxies.key === '' ? agent : agent.compose(sendingToProxies(proxies));
    agents.set(key, dispatcher);
  }
  return dispatcher;
}

/**
 * undici's own connector, with 30 s to connect (TCP and TLS together, as Go's dialer allows), the
 * TLS options and server name the bulk GETs use too, and the TLS handshake limited on its own. An
 * https origin that goes through a proxy gets a CONNECT tunnel first, and TLS to the registry in it;
 * plain-HTTP requests through a proxy are addressed to the proxy itself (sendingToProxies).
 */
function connector(settings: TlsSettings, proxies: ProxyRules): BuildConnector.connector {
  const connect = buildConnector({ timeout: 30_000, ...tlsConnectOptions(settings) });
  const secure: BuildConnector.connector = (options, callback) => {
    const name = serverName(options.hostname);
    const socket = connect(name === undefined ? options : { ...options, servername: name }, callback);
    limitTlsHandshake(socket as TLSSocket);
  };
  return (options, callback) => {
    if (options.protocol !== 'https:') {
      connect(options, callback);
      return;
    }
    let proxy: ProxyRoute | undefined;
    const origin = new URL(`https://${options.host}`);
    try {
      proxy = proxies.forUrl(origin);
    } catch (error) {
      callback(error as Error, null);
      return;
    }
    if (proxy === undefined) {
      secure(options, callback);
      return;
    }
    openTunnel(proxy, authorityOf(origin)).then(
      (tunnel) => secure({ ...options, httpSocket: tunnel }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

/**
 * Sends each plain-HTTP request that goes through a proxy to the proxy, naming the URL whole
 * (`GET http://host/path`) and carrying the proxy's credentials, as Go does for http URLs.
 */
function sendingToProxies(proxies: ProxyRules): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const origin = new URL(String(options.origin));
    const proxy = origin.protocol === 'http:' ? proxies.forUrl(origin) : undefined;
    if (proxy === undefined) return dispatch(options, handler);
    // hoist's own request() (undici.ts) always gives the headers as an object.
    const headers: IncomingHttpHeaders = { ...(options.headers as IncomingHttpHeaders), host: origin.host };
    if (proxy.authorization !== undefined) headers['proxy-authorization'] = proxy.authorization;
    return dispatch(
      { ...options, origin: proxy.origin, path: `${origin.origin}${options.path}`, headers },
      new ThroughProxy(handler, proxy, authorityOf(origin)),
    );
  };
}

/**
 * The handler of a request sent to a proxy: a 407 is the proxy's refusal, not the registry's
 * answer, and errors are marked as met on the way to the proxy, so that messages name it.
 */
class ThroughProxy implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #proxy: ProxyRoute;
  readonly #authority: string;
  #refused = false;

  constructor(handler: Dispatcher.DispatchHandler, proxy: ProxyRoute, authority: string) {
    this.#handler = handler;
    this.#proxy = proxy;
    this.#authority = authority;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // Its (small) body is read to the end, so the connection to the proxy stays usable.
    if (statusCode === 407) this.#refused = true;
    else this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#refused) this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.#refused) this.#handler.onResponseError?.(controller, proxyRefused(this.#proxy, this.#authority, 407));
    else this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#handler.onResponseError?.(controller, markProxyError(error, this.#proxy));
  }
}
