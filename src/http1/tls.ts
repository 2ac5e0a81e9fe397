import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/**
 * The secure context for `settings`. Extra certs.d CAs are trusted in addition to the roots Node
 * trusts, not instead of them. Given as the `ca` option they would replace the roots, so the roots'
 * PEM text had to go in beside them and every root was parsed again (25-50 ms a process); instead
 * the context starts from Node's root store (parsed once per process, in C++) and the extra CAs are
 * added to its own copy of it (`addCACert`, what the `ca` option calls per certificate). That copy
 * holds Node's bundled roots but not NODE_EXTRA_CA_CERTS, which Node keeps in the shared store
 * only, so those are added again from their file. With client certificates the options path
 * stays: Node adds the CAs before the certificate so that it can find the certificate's issuer
 * among them. Nothing is verified for an insecure registry, so no CA at all: loading the roots
 * costs ~26 ms.
 */
function newSecureContext({ insecure, certs }: TlsSettings): SecureContext {
  const ca = certs?.ca ?? [];
  const withClientCerts = clientCertOptions(certs?.clientCerts ?? []);
  if (insecure) return createSecureContext({ ca: [], ...withClientCerts });
  if (ca.length === 0) return createSecureContext(withClientCerts);
  const added = [...nodeExtraRoots(), ...ca];
  if ('cert' in withClientCerts) return createSecureContext({ ca: [...rootCertificates, ...added], ...withClientCerts });
  const secureContext = createSecureContext();
  const native = secureContext.context as { addCACert(pem: string): void };
  for (const pem of added) native.addCACert(pem);
  return secureContext;
}

/** The PEM text of NODE_EXTRA_CA_CERTS, as Node read it at start-up; none when unset or unreadable (Node only warns then too). */
function nodeExtraRoots(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return [];
  }
}

function clientCertOptions(clientCerts: TrustMaterial['clientCerts']) {
  return clientCerts.length > 0 ? { cert: clientCerts.map((c) => c.cert), key: clientCerts.map((c) => c.key) } : {};
}

/**
 * TLS options for a connection under `settings`. The secure context is built once per settings and
 * shared: given the CAs as options, Node builds a new one for every connection (36 ms each
 * measured with certs.d CAs; undici and the blob downloads built one each per pull).
 */
const secureContexts = new Map<string, SecureContext>();

export function tlsConnectOptions(settings: TlsSettings): ConnectionOptions {
  const key = settingsKey(settings);
  let secureContext = secureContexts.get(key);
  if (secureContext === undefined) {
    secureContext = newSecureContext(settings);
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
