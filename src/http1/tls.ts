import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { OnReadOpts, Socket } from 'node:net';
import { connect, createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';

/**
 * How hoist secures a connection to a registry, in one place for both of its HTTP paths: the bulk
 * GETs here and undici's Agent (registry/agent.ts), which takes these options into its connector.
 */

/** certs.d material (config/certs reads it): extra CAs and client certificates, as PEM text. */
export interface TrustMaterial {
  ca: readonly string[];
  clientCerts: readonly { cert: string; key: string }[];
}

/** How connections to one registry are secured. */
export interface TlsSettings {
  /** Skip certificate verification (`--tls-verify=false`). */
  insecure: boolean;
  /** certs.d material: extra CAs and client certificates. */
  certs?: TrustMaterial;
}

/**
 * How long a TLS handshake may take once the TCP connection is up: the `TLSHandshakeTimeout` of
 * Go's `http.DefaultTransport`, which Go registry clients start from. A server that accepts
 * connections and then says nothing (a wrong port, a middlebox eating the ClientHello) fails in
 * 10 s instead of holding the request until the 30 s connect timeout.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Node's own code for a handshake that timed out (its servers' `handshakeTimeout`). */
export const TLS_HANDSHAKE_TIMEOUT = 'ERR_TLS_HANDSHAKE_TIMEOUT';

/**
 * Destroys `socket` with a TLS_HANDSHAKE_TIMEOUT error when its handshake outlasts the limit. The
 * clock starts when TCP is up: at once for TLS over a socket already connected (a proxy tunnel).
 */
export function limitTlsHandshake(socket: TLSSocket): void {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const start = () => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`the TLS handshake did not finish within ${TLS_HANDSHAKE_TIMEOUT_MS / 1000} s`), { code: TLS_HANDSHAKE_TIMEOUT });
      socket.destroy(error);
    }, TLS_HANDSHAKE_TIMEOUT_MS);
  };
  if (socket.connecting) socket.once('connect', start);
  else start();
  socket.once('secureConnect', stop);
  socket.once('close', stop);
}

/** The name a certificate is checked against and sent as SNI: the host, unless it is an IP address (SNI cannot carry one). */
export function serverName(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) === 0 ? bare : undefined;
}

/**
 * A TLS connection for the bulk GETs to `url`'s host: over a new TCP connection whose reads land
 * in `via.onread`'s buffer, or over `via.socket`, a proxy's tunnel to it. The certificate is checked
 * against the host of `url` either way.
 */
export function openTls(url: URL, settings: TlsSettings, via: { onread: OnReadOpts } | { socket: Socket }): TLSSocket {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const name = serverName(host);
  // Node's TLS sockets honour `onread` as TCP ones do; its type declarations just do not list it.
  const options: ConnectionOptions & { onread?: OnReadOpts } = {
    host,
    port: Number(url.port || 443),
    ...(name !== undefined ? { servername: name } : {}),
    ALPNProtocols: ['http/1.1'],
    ...tlsConnectOptions(settings),
    ...via,
  };
  const socket = connect(options);
  limitTlsHandshake(socket);
  return socket;
}

function trustMaterial({ insecure, certs }: TlsSettings) {
  return {
    // Extra CAs are trusted in addition to the system roots, not instead of them. Nothing is
    // verified for an insecure registry, so no CA at all: loading the system roots costs ~26 ms.
    ...(insecure ? { ca: [] } : certs !== undefined && certs.ca.length > 0 ? { ca: [...rootCertificates, ...certs.ca] } : {}),
    ...(certs !== undefined && certs.clientCerts.length > 0 ? { cert: certs.clientCerts.map((c) => c.cert), key: certs.clientCerts.map((c) => c.key) } : {}),
  };
}

/**
 * TLS options for a connection under `settings`. The secure context is built once per settings and
 * shared: given the CAs as options, Node builds a new one for every connection, and with certs.d
 * CAs each build parses every system root certificate again (36 ms each measured; undici and the
 * blob downloads built one each per pull).
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
