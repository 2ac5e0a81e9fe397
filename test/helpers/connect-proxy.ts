import { once } from 'node:events';
import { createServer, request as httpRequest, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * A real forward proxy on loopback, as squid or tinyproxy would be in front of a registry: it
 * opens CONNECT tunnels (for https URLs) and relays absolute-URI requests (`GET http://…`, for
 * http ones), and records what it was asked. Names in `hosts` resolve only here, so a client that
 * reaches such a name reached it through this proxy.
 */
export interface ConnectProxyOptions {
  /** Name → address, for names no resolver knows (PROXIED_REGISTRY_NAME). Other names are connected to as they are. */
  hosts?: Record<string, string>;
  /** `user:password` the proxy demands: a request without them, or with others, gets 407. */
  credentials?: string;
  /** Answer every request with this status (403, 502, …) instead of serving it. */
  refuse?: number;
}

export interface ProxiedRequest {
  method: string;
  /** `host:port` of a CONNECT, the absolute URI of any other request. */
  target: string;
  headers: IncomingHttpHeaders;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Every request, in order of arrival. */
  requests: ProxiedRequest[];
  /** Bytes relayed from the servers behind the proxy to its clients (tunnels and responses). */
  bytesDown(): number;
  stop(): Promise<void>;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let down = 0;
  const expected = options.credentials === undefined ? undefined : `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  /** The status to refuse a request with, if any. */
  const refusal = (headers: IncomingHttpHeaders) => options.refuse ?? (expected !== undefined && headers['proxy-authorization'] !== expected ? 407 : undefined);
  const address = (host: string) => options.hosts?.[host.replace(/^\[(.*)\]$/, '$1')] ?? host.replace(/^\[(.*)\]$/, '$1');
  const refusalHead = (status: number) =>
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${status === 407 ? 'proxy-authenticate: Basic realm="hoist-test"\r\n' : ''}content-length: 0\r\nconnection: close\r\n\r\n`;

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    const status = refusal(req.headers);
    if (status !== undefined) {
      res.writeHead(status, { ...(status === 407 ? { 'proxy-authenticate': 'Basic realm="hoist-test"' } : {}), connection: 'close' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest(
      { host: address(target.hostname), port: Number(target.port || 80), method: req.method, path: `${target.pathname}${target.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => (down += chunk.length));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });

  server.on('connect', (req, client: Socket, head: Buffer) => {
    requests.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    client.on('error', () => undefined);
    const status = refusal(req.headers);
    if (status !== undefined) {
      client.end(refusalHead(status));
      return;
    }
    const [host, port] = splitAuthority(req.url ?? '');
    const upstream = connect({ host: address(host), port });
    sockets.add(upstream);
    let open = false;
    // A server that cannot be reached is the proxy's 502, as a real proxy answers.
    upstream.on('error', () => (open ? client.destroy() : client.end(refusalHead(502))));
    upstream.once('connect', () => {
      open = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.on('data', (chunk: Buffer) => (down += chunk.length));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => open && client.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    bytesDown: () => down,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitAuthority(authority: string): [string, number] {
  const colon = authority.lastIndexOf(':');
  return [authority.slice(0, colon), Number(authority.slice(colon + 1))];
}
