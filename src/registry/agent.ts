import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { limitTlsHandshake } from './tls-handshake.js';
import { Agent, buildConnector } from './undici.js';
import type { RegistryCerts } from '../config/certs/index.js';

/** How connections to one registry are secured. */
export interface TlsSettings {
  /** Skip certificate verification (`--tls-verify=false`). */
  insecure: boolean;
  /** certs.d material: extra CAs and client certificates. */
  certs?: RegistryCerts;
}

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
 * undici's own connector, with 30 s to connect (TCP and TLS together, as Go's dialer allows) and
 * the TLS handshake limited on its own (tls-handshake.ts).
 */
function connector(settings: TlsSettings): BuildConnector.connector {
  const connect = buildConnector({ timeout: 30_000, ...tlsConnectOptions(settings) });
  return (options, callback) => {
    const socket = connect(options, callback);
    if (options.protocol === 'https:') limitTlsHandshake(socket as TLSSocket);
  };
}

function trustMaterial({ insecure, certs }: TlsSettings) {
  return {
    // Extra CAs are trusted in addition to the system roots, not instead of them. Nothing is
    // verified for an insecure registry, so no CA at all: loading the system roots costs ~26 ms.
    ...(insecure ? { ca: [] } : certs !== undefined && certs.ca.length > 0 ? { ca: [...rootCertificates, ...certs.ca] } : {}),
    ...(certs !== undefined && certs.clientCerts.length > 0
      ? { cert: certs.clientCerts.map((c) => c.cert), key: certs.clientCerts.map((c) => c.key) }
      : {}),
  };
}

/**
 * TLS options for a connection under `settings`, for undici's Agent and for bulk blob downloads
 * alike. The secure context is built once per settings and shared: given the CAs as options, Node
 * builds a new one for every connection, and with certs.d CAs each build parses every system root
 * certificate again (36 ms each measured; undici and the blob downloads built one each per pull).
 */
const secureContexts = new Map<string, SecureContext>();

export function tlsConnectOptions(settings: TlsSettings): ConnectionOptions {
  const key = settingsKey(settings);
  let secureContext = secureContexts.get(key);
  if (secureContext === undefined) {
    secureContext = createSecureContext(trustMaterial(settings));
    secureContexts.set(key, secureContext);
  }
  return { rejectUnauthorized: !settings.insecure, secureContext };
}

/** A key that two settings share only when they make the same trust decision. */
export function settingsKey({ insecure, certs }: TlsSettings): string {
  if (!insecure && (certs === undefined || (certs.ca.length === 0 && certs.clientCerts.length === 0))) return 'default';
  // Keyed by content, not path: the same directory may hold different files later in a process.
  return createHash('sha256')
    .update(JSON.stringify({ insecure, ca: certs?.ca ?? [], clientCerts: certs?.clientCerts ?? [] }))
    .digest('hex');
}
