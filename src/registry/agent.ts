import type { TLSSocket } from 'node:tls';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { limitTlsHandshake, serverName, settingsKey, tlsConnectOptions, type TlsSettings } from '../http1/tls.js';
import { Agent, buildConnector } from './undici.js';

/**
 * One undici Agent for the whole process serves every registry with the default TLS settings.
 * A registry with its own certs.d material, or an insecure one, gets an Agent of its own (shared
 * by every registry with the same settings), because a pooled connection must never be reused
 * under a different trust decision.
 */
const agents = new Map<string, Dispatcher>();

export function dispatcherFor(settings: TlsSettings): Dispatcher {
  const key = settingsKey(settings);
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = new Agent({
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
      connect: connector(settings),
    });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * undici's own connector, with 30 s to connect (TCP and TLS together, as Go's dialer allows), the
 * TLS options and server name the bulk GETs use too, and the TLS handshake limited on its own.
 */
function connector(settings: TlsSettings): BuildConnector.connector {
  const connect = buildConnector({ timeout: 30_000, ...tlsConnectOptions(settings) });
  return (options, callback) => {
    if (options.protocol !== 'https:') {
      connect(options, callback);
      return;
    }
    const name = serverName(options.hostname);
    const socket = connect(name === undefined ? options : { ...options, servername: name }, callback);
    limitTlsHandshake(socket as TLSSocket);
  };
}
