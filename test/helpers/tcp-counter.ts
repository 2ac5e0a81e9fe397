import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/** A TCP relay on loopback in front of `target` (`host:port`) that counts the connections made through it. */
export interface TcpCounter {
  /** `127.0.0.1:PORT`, for image references (a certificate for 127.0.0.1 still matches). */
  host: string;
  /** Connections accepted so far, in order, each with when it was accepted (performance.now()). */
  connections: { openedAt: number }[];
  stop(): Promise<void>;
}

export async function startTcpCounter(target: string): Promise<TcpCounter> {
  const [hostname, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const connections: { openedAt: number }[] = [];
  const server = createServer((client) => {
    connections.push({ openedAt: performance.now() });
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
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
