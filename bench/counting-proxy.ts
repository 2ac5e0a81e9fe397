import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A loopback HTTP proxy in front of the registry that counts requests and response bytes, so the
 * bench can show how many bytes a pull fetched (concurrent pulls) and that `missing` makes no
 * request. Streams with backpressure: it never buffers a blob.
 */
export interface CountingProxy {
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  /** What passed since the last `reset()`. */
  counts(): { requests: number; bytes: number; blobGets: Map<string, number> };
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(upstreamHost: string): Promise<CountingProxy> {
  const [hostname, port] = upstreamHost.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true });
  let requests = 0;
  let bytes = 0;
  let blobGets = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    requests++;
    const blob = req.method === 'GET' ? /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '')?.[1] : undefined;
    if (blob !== undefined) blobGets.set(blob, (blobGets.get(blob) ?? 0) + 1);
    const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      pipeline(upRes, counter, res).catch(() => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    pipeline(req, upstream).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ requests, bytes, blobGets: new Map(blobGets) }),
    reset: () => {
      requests = 0;
      bytes = 0;
      blobGets = new Map();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
