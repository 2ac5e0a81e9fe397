import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/** A request seen on a connection (plain HTTP only: over TLS the relay sees no request lines). */
export interface SeenRequest {
  /** `GET /v2/… HTTP/1.1`. */
  line: string;
  /** When the relay saw it (performance.now()). */
  seenAt: number;
  /** When the first byte of the server's answer to it was passed on to the client (performance.now()). */
  answeredAt?: number;
}

export interface SeenConnection {
  /** When the relay accepted it (performance.now()). */
  openedAt: number;
  requests: SeenRequest[];
}

/** A TCP relay on loopback in front of `target` (`host:port`) that records the connections made through it. */
export interface TcpCounter {
  /** `127.0.0.1:PORT`, for image references (a certificate for 127.0.0.1 still matches). */
  host: string;
  connections: SeenConnection[];
  stop(): Promise<void>;
}

export interface TcpCounterOptions {
  /** Holds every chunk from the server this long before passing it on: a link far away, as seen from the client. */
  answerDelayMs?: number;
}

const REQUEST_LINE = /^(?:GET|HEAD|POST|PUT|PATCH|DELETE) \S+ HTTP\/1\.1$/gm;

export async function startTcpCounter(target: string, options: TcpCounterOptions = {}): Promise<TcpCounter> {
  const [hostname, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const connections: SeenConnection[] = [];
  const server = createServer((client) => {
    const seen: SeenConnection = { openedAt: performance.now(), requests: [] };
    connections.push(seen);
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const [line] of chunk.toString('latin1').matchAll(REQUEST_LINE)) seen.requests.push({ line, seenAt: performance.now() });
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        const pending = seen.requests.at(-1);
        if (pending !== undefined && pending.answeredAt === undefined) pending.answeredAt = performance.now();
        client.write(chunk);
      }, options.answerDelayMs ?? 0);
    });
    upstream.on('end', () => setTimeout(() => client.end(), options.answerDelayMs ?? 0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
