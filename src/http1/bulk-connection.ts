import { connect as connectTcp, type OnReadOpts, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { limitTlsHandshake, serverName, settingsKey, tlsConnectOptions, type TlsSettings } from './tls.js';

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

  private constructor(url: URL, tls: TlsSettings, poolKey: string) {
    this.#poolKey = poolKey;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const name = serverName(host);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const onread: OnReadOpts = { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n, buffer) => this.#onRead((buffer as Buffer).subarray(0, n)) };
    // Node's TLS sockets honour `onread` as TCP ones do; its type declarations just do not list it.
    const secure: ConnectionOptions & { onread: OnReadOpts } = {
      host,
      port,
      ...(name !== undefined ? { servername: name } : {}),
      ALPNProtocols: ['http/1.1'],
      ...tlsConnectOptions(tls),
      onread,
    };
    if (url.protocol === 'https:') {
      const socket = connectTls(secure);
      limitTlsHandshake(socket);
      this.socket = socket;
    } else {
      this.socket = connectTcp({ host, port, onread });
    }
    this.socket.on('error', (error) => (this.#user === undefined ? this.#forget() : this.#user.onError(error)));
    this.socket.on('end', () => (this.#user === undefined ? this.#forget() : this.#user.onEnd()));
    this.socket.on('close', () => {
      this.#forget();
      this.#user?.onError(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }));
    });
    this.socket.on('timeout', () => (this.#user === undefined ? this.socket.destroy() : this.#user.onTimeout()));
  }

  /** An idle connection to `url`'s origin under the same trust decision (unless `fresh`), else a new one. */
  static open(url: URL, tls: TlsSettings, { fresh = false } = {}): BulkConnection {
    const poolKey = `${settingsKey(tls)} ${url.protocol}//${url.host}`;
    const pooled = fresh ? undefined : idle.get(poolKey)?.pop();
    if (pooled !== undefined && !pooled.socket.destroyed) {
      pooled.reused = true;
      return pooled;
    }
    return new BulkConnection(url, tls, poolKey);
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
