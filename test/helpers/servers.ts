import { once } from 'node:events';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';

/** A loopback server on a port of its own, for tests that talk to it over real sockets. */
export interface TestServer {
  port: number;
  /** `http(s)://127.0.0.1:PORT` + `path`. */
  url(path?: string): URL;
  /** Server-side sockets of every connection accepted, in order. */
  sockets: Socket[];
  /** Stops listening and destroys every connection still open. */
  close(): Promise<void>;
}

async function serve(server: Server, protocol: 'http' | 'https', connectionEvent: string): Promise<TestServer> {
  const sockets: Socket[] = [];
  server.on(connectionEvent, (socket: Socket) => {
    sockets.push(socket);
    // Clients in these tests hang up mid-response on purpose: that is not a server failure.
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    url: (path = '/') => new URL(path, `${protocol}://127.0.0.1:${port}`),
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      (server as Partial<Record<'closeAllConnections', () => void>>).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A node:http server (or node:https with `tls`) answering with `handler`. */
export function startHttpServer(handler: RequestListener, tls?: HttpsOptions): Promise<TestServer> {
  return tls === undefined ? serve(createHttpServer(handler), 'http', 'connection') : serve(createHttpsServer(tls, handler), 'https', 'secureConnection');
}

/**
 * A TCP server that reads request heads (every one on a kept connection) and lets `respond` write
 * exact bytes: for responses no well-behaved HTTP server would send. `requests` holds each request
 * head as received.
 */
export async function startRawServer(respond: (socket: Socket, request: string) => void | Promise<void>): Promise<TestServer & { requests: string[] }> {
  const requests: string[] = [];
  const server = createNetServer((socket) => {
    let pending = '';
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        requests.push(head);
        void respond(socket, head);
      }
    });
  });
  return Object.assign(await serve(server, 'http', 'connection'), { requests });
}

/** Resolves when `socket` has closed (at once if it already has). */
export async function closed(socket: Socket): Promise<void> {
  if (socket.closed) return;
  await new Promise((resolve) => socket.once('close', resolve));
}
