import { connect as connectTcp, type OnReadOpts, type Socket } from 'node:net';
import { authorityOf, markProxyError, openTunnel } from './proxy-connect.js';
import type { ProxyRoute } from './proxy-env.js';
import { openTls, settingsKey, type TlsSettings } from './tls.js';

/** Socket reads land in one buffer this large per connection, reused for every read. */
const READ_BUFFER_BYTES = 128 * 1024;
/**
 * An idle connection is kept this long for the next blob from the same origin. Registries and
 * CDNs keep theirs for longer, and the next blob of a pull usually follows within milliseconds.
 */
const KEEP_IDLE_MS = 15_000;
/** Idle connections kept per origin: as many as blobs are downloaded at once, by default. */
const MAX_IDLE_PER_ORIGIN = 6;

/** What a connection hands its events to while an exchange uses it. */
export interface ConnectionUser {
  /** Bytes read into the connection's buffer, valid until this returns; false pauses reading. */
  onRead(bytes: Buffer): boolean;
  onEnd(): void;
  onError(error: Error): void;
  onTimeout(): void;
}

const idle = new Map<string, BulkConnection[]>();

/**
 * A socket for bulk GETs whose reads land, through Node's `onread`, in one buffer reused for every
 * read, and which goes back to a small per-origin pool between requests (HTTP/1.1 keep-alive), so
 * the next blob from the same registry or CDN skips the TCP and TLS handshakes.
 */
export class BulkConnection {
  readonly socket: Socket;
  /** True when taken from the pool: a request on it may meet a close the server sent meanwhile. */
  reused = false;
  readonly #poolKey: string;
  #user: ConnectionUser | undefined;

  /**
   * `open` makes the socket, asking for the reused buffer to read into (`onread`) when it can
   * use one: Node ignores it for TLS over a socket it did not open itself (a proxy's tunnel), so
   * such a socket reads into fresh buffers, handed over the same way. Errors of a socket to a proxy
   * (`proxy`) are marked as met on the way to it.
   */
  private constructor(poolKey: string, open: (onread: () => OnReadOpts) => Socket, proxy?: ProxyRoute) {
    this.#poolKey = poolKey;
    let ownBuffer = false;
    this.socket = open(() => {
      ownBuffer = true;
      return { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n, buffer) => this.#onRead((buffer as Buffer).subarray(0, n)) };
    });
    if (!ownBuffer) {
      this.socket.on('data', (bytes: Buffer) => {
        if (!this.#onRead(bytes)) this.socket.pause();
      });
    }
    const mark = (error: Error) => (proxy === undefined ? error : markProxyError(error, proxy));
    this.socket.on('error', (error) => (this.#user === undefined ? this.#forget() : this.#user.onError(mark(error))));
    this.socket.on('end', () => (this.#user === undefined ? this.#forget() : this.#user.onEnd()));
    this.socket.on('close', () => {
      this.#forget();
      this.#user?.onError(mark(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' })));
    });
    this.socket.on('timeout', () => (this.#user === undefined ? this.socket.destroy() : this.#user.onTimeout()));
  }

  /**
   * An idle connection to `url`'s origin, by the same route and under the same trust decision
   * (unless `fresh`), else a new one: direct, to `proxy` for an http URL (the request then names
   * the URL whole), or through a tunnel `proxy` opens for an https one.
   */
  static async open(
    url: URL,
    tls: TlsSettings,
    proxy: ProxyRoute | undefined,
    { fresh = false, signal }: { fresh?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<BulkConnection> {
    const poolKey = poolKeyOf(url, tls, proxy);
    const pooled = fresh ? undefined : idle.get(poolKey)?.pop();
    if (pooled !== undefined && !pooled.socket.destroyed) {
      pooled.reused = true;
      return pooled;
    }
    if (url.protocol === 'https:') {
      if (proxy === undefined) return new BulkConnection(poolKey, (onread) => openTls(url, tls, { onread: onread() }));
      const tunnel = await openTunnel(proxy, authorityOf(url), signal);
      return new BulkConnection(poolKey, () => openTls(url, tls, { socket: tunnel }));
    }
    if (proxy !== undefined) return new BulkConnection(poolKey, (onread) => connectTcp({ host: proxy.hostname, port: proxy.port, onread: onread() }), proxy);
    return new BulkConnection(poolKey, (onread) =>
      connectTcp({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80), onread: onread() }),
    );
  }

  /**
   * Opens connections to `url`'s origin until `count` wait in its pool (taken as they are, still in
   * their TCP and TLS handshakes: a request written meanwhile waits in the socket), so that the GETs
   * that follow start at once instead of two round trips later. Never fails: a connection that
   * cannot be made is dropped from the pool, and the GET that would have used it opens its own.
   */
  static warm(url: URL, tls: TlsSettings, proxy: ProxyRoute | undefined, count: number): void {
    const waiting = idle.get(poolKeyOf(url, tls, proxy))?.length ?? 0;
    for (let i = waiting; i < Math.min(count, MAX_IDLE_PER_ORIGIN); i++) {
      BulkConnection.open(url, tls, proxy, { fresh: true }).then(
        (connection) => connection.release(true),
        () => undefined,
      );
    }
  }

  /** Hands the connection's events to `user` and reads on, with `timeoutMs` of silence allowed. */
  attach(user: ConnectionUser, timeoutMs: number): void {
    this.#user = user;
    this.socket.ref();
    this.socket.setTimeout(timeoutMs);
    this.socket.resume();
  }

  /** Pauses or resumes the idle timer (a wait on the disk is not a silent server). */
  setTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  /**
   * Ends the exchange: the connection goes back to the pool when `reusable` (the response was read
   * exactly to its end and the server keeps the connection), else it is closed.
   */
  release(reusable: boolean): void {
    this.#user = undefined;
    const pool = idle.get(this.#poolKey) ?? [];
    if (!reusable || this.socket.destroyed || pool.length >= MAX_IDLE_PER_ORIGIN) {
      this.socket.destroy();
      return;
    }
    // Idle, the socket still reads, so that a close from the server is seen; anything else is
    // a protocol error (see #onRead). It does not keep the process alive.
    this.socket.setTimeout(KEEP_IDLE_MS);
    this.socket.unref();
    this.socket.resume();
    pool.push(this);
    idle.set(this.#poolKey, pool);
  }

  #onRead(bytes: Buffer): boolean {
    const user = this.#user;
    if (user === undefined) {
      this.socket.destroy(); // bytes nobody asked for: the connection cannot be trusted for a request
      return false;
    }
    const readOn = user.onRead(bytes);
    // Released during this read (its response ended): read on as an idle connection, so that a
    // close from the server is seen now rather than by the next request.
    return this.#user === undefined ? !this.socket.destroyed : readOn;
  }

  #forget(): void {
    const pool = idle.get(this.#poolKey);
    const at = pool?.indexOf(this) ?? -1;
    if (at >= 0) pool!.splice(at, 1);
    if (this.#user === undefined) this.socket.destroy();
  }
}

/** Connections are pooled by origin, route and trust decision: one is never reused under another. */
function poolKeyOf(url: URL, tls: TlsSettings, proxy: ProxyRoute | undefined): string {
  return `${settingsKey(tls)} ${proxy?.key ?? ''} ${url.protocol}//${url.host}`;
}
