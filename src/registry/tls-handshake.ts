import type { TLSSocket } from 'node:tls';

/**
 * How long a TLS handshake may take once the TCP connection is up: the `TLSHandshakeTimeout` of
 * Go's `http.DefaultTransport`, which Go registry clients start from. A server that accepts
 * connections and then says nothing (a wrong port, a middlebox eating the ClientHello) fails in
 * 10 s instead of holding the request until the 30 s connect timeout.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Node's own code for a handshake that timed out (its servers' `handshakeTimeout`). */
export const TLS_HANDSHAKE_TIMEOUT = 'ERR_TLS_HANDSHAKE_TIMEOUT';

/** Destroys `socket` with a TLS_HANDSHAKE_TIMEOUT error when its handshake outlasts the limit. */
export function limitTlsHandshake(socket: TLSSocket): void {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  socket.once('connect', () => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`the TLS handshake did not finish within ${TLS_HANDSHAKE_TIMEOUT_MS / 1000} s`), { code: TLS_HANDSHAKE_TIMEOUT });
      socket.destroy(error);
    }, TLS_HANDSHAKE_TIMEOUT_MS);
  });
  socket.once('secureConnect', stop);
  socket.once('close', stop);
}
