import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryHandle } from './registry.js';

/**
 * A loopback HTTP proxy in front of a (plain HTTP) test registry that injects faults into
 * chosen requests and records every request it sees. A second origin, `storageUrl`, plays the
 * blob storage that registries redirect to; it records whether `Authorization` reached it.
 */
export type Fault =
  /** Send the headers and this many body bytes (of each response it applies to; 0: none), then reset the connection. */
  | { kind: 'reset'; afterBytes: number }
  /** Send the headers and this many body bytes, then nothing more; the connection stays open. */
  | { kind: 'stall'; afterBytes: number }
  /** Announce and send only this many body bytes, then end cleanly (a short body). */
  | { kind: 'truncate'; afterBytes: number }
  /** Answer with this status (e.g. 503 + Retry-After) without asking the registry. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Flip one bit in every body chunk, keeping the length. */
  | { kind: 'corrupt' }
  /** Forward the request without its Range header, as a server ignoring ranges would. */
  | { kind: 'ignore-range' }
  /** Redirect (307) to the same path on the storage origin. */
  | { kind: 'redirect' }
  /** Pass the registry's response with another Content-Type. */
  | { kind: 'content-type'; value: string }
  /** Answer 200 with this document instead of the registry's. */
  | { kind: 'replace'; body: string; contentType: string }
  /** Serve the registry's full tag list in `?n=` pages (`?last=`), with `Link` headers. */
  | { kind: 'paginate-tags' }
  /** Forward the request unchanged after this many ms: a slow answer, in flight meanwhile. */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  method?: string;
  path: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface RecordedRequest {
  origin: 'proxy' | 'storage';
  method: string;
  /** Path and query. */
  path: string;
  range?: string;
  authorization: boolean;
  status: number;
  /** Response body bytes actually sent. */
  bytes: number;
  /** When the request arrived (ms since the epoch). */
  at: number;
  fault?: Fault['kind'];
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` of the proxy, for image references. */
  host: string;
  url: string;
  storageUrl: string;
  requests: RecordedRequest[];
  inject(rule: FaultRule): void;
  /** Requests of `method` whose path matches. */
  matching(method: string, path: RegExp): RecordedRequest[];
  stop(): Promise<void>;
}

export async function startFaultProxy(registry: RegistryHandle): Promise<FaultProxy> {
  const upstream = new URL(registry.url);
  if (upstream.protocol !== 'http:') throw new Error('the fault proxy fronts plain-HTTP registries only');
  const rules: (FaultRule & { left: number })[] = [];
  const requests: RecordedRequest[] = [];
  // Storage plays a separate service with its own access control, as S3 presigned URLs do.
  const storageAuthorization =
    registry.username !== undefined && registry.tokenIssuer === undefined
      ? `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`
      : undefined;

  const takeFault = (req: IncomingMessage): Fault | undefined => {
    const rule = rules.find((r) => r.left > 0 && (r.method === undefined || r.method === req.method) && r.path.test(req.url ?? ''));
    if (rule === undefined) return undefined;
    rule.left--;
    return rule.fault;
  };

  const record = (origin: RecordedRequest['origin'], req: IncomingMessage, fault: Fault | undefined): RecordedRequest => {
    const entry: RecordedRequest = {
      origin,
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization !== undefined,
      status: 0,
      bytes: 0,
      at: Date.now(),
      ...(req.headers.range !== undefined ? { range: req.headers.range } : {}),
      ...(fault !== undefined ? { fault: fault.kind } : {}),
    };
    requests.push(entry);
    return entry;
  };

  const proxy = createServer((req, res) => {
    const fault = takeFault(req);
    const entry = record('proxy', req, fault);
    switch (fault?.kind) {
      case 'status':
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}) });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }));
        return;
      case 'redirect':
        entry.status = 307;
        res.writeHead(307, { location: new URL(req.url ?? '/', storage.url).href });
        res.end();
        return;
      case 'replace':
        entry.status = 200;
        entry.bytes = Buffer.byteLength(fault.body);
        res.writeHead(200, { 'content-type': fault.contentType, 'content-length': entry.bytes });
        res.end(fault.body);
        return;
      case 'paginate-tags':
        void paginateTags(req, res, entry);
        return;
      case 'delay':
        setTimeout(() => forward(req, res, entry, undefined, req.headers.authorization), fault.ms);
        return;
      default:
        forward(req, res, entry, fault, req.headers.authorization);
    }
  });

  const storage = { url: '' };
  const storageServer = createServer((req, res) => {
    // Whatever the client sent, the storage origin reaches the registry with its own access.
    forward(req, res, record('storage', req, undefined), undefined, storageAuthorization);
  });

  const forward = (req: IncomingMessage, res: ServerResponse, entry: RecordedRequest, fault: Fault | undefined, authorization: string | undefined) => {
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    if (authorization !== undefined) headers.authorization = authorization;
    if (fault?.kind === 'ignore-range') delete headers.range;
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upRes) => {
      const outHeaders = { ...upRes.headers };
      entry.status = upRes.statusCode ?? 0;
      if (fault?.kind === 'content-type') outHeaders['content-type'] = fault.value;
      if (fault?.kind === 'truncate') outHeaders['content-length'] = String(fault.afterBytes);
      res.writeHead(entry.status, outHeaders);
      if (fault !== undefined && 'afterBytes' in fault && fault.afterBytes === 0) {
        // Nothing of the body is sent: the headers end it (truncate), are followed by a reset or by silence.
        upRes.destroy();
        if (fault.kind === 'truncate') return void res.end();
        res.flushHeaders();
        // The reset comes after the headers reached the socket, so the client sees them first.
        if (fault.kind === 'reset') res.socket?.write('', () => res.socket?.destroy());
        return;
      }
      upRes.on('data', (chunk: Buffer) => {
        if (fault?.kind === 'reset' || fault?.kind === 'truncate' || fault?.kind === 'stall') {
          const room = fault.afterBytes - entry.bytes;
          if (room <= 0) return;
          const part = chunk.subarray(0, room);
          entry.bytes += part.length;
          if (entry.bytes < fault.afterBytes) return void res.write(part);
          upRes.destroy();
          // The cut comes after the bytes reached the socket, so the client sees exactly them.
          if (fault.kind === 'reset') res.write(part, () => res.socket?.destroy());
          else if (fault.kind === 'stall') res.write(part);
          else res.end(part);
          return;
        }
        if (fault?.kind === 'corrupt' && chunk.length > 0) {
          chunk = Buffer.from(chunk);
          chunk[0] = chunk[0]! ^ 0x01;
        }
        entry.bytes += chunk.length;
        res.write(chunk);
      });
      upRes.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };

  const paginateTags = async (req: IncomingMessage, res: ServerResponse, entry: RecordedRequest) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const full = await new Promise<{ name: string; tags: string[] }>((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host };
      httpRequest({ host: upstream.hostname, port: upstream.port, path: url.pathname, headers }, (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as { name: string; tags: string[] }));
      })
        .on('error', reject)
        .end();
    });
    const sorted = [...full.tags].sort();
    const n = Number(url.searchParams.get('n') ?? sorted.length);
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : sorted.findIndex((t) => t > last);
    const page = start < 0 ? [] : sorted.slice(start, start + n);
    const more = start >= 0 && start + n < sorted.length;
    const body = JSON.stringify({ name: full.name, tags: page });
    entry.status = 200;
    entry.bytes = Buffer.byteLength(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(more ? { link: `<${url.pathname}?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"` } : {}),
    });
    res.end(body);
  };

  await listen(proxy);
  await listen(storageServer);
  const host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  storage.url = `http://127.0.0.1:${(storageServer.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    storageUrl: storage.url,
    requests,
    inject: (rule) => rules.push({ ...rule, left: rule.times ?? Infinity }),
    matching: (method, path) => requests.filter((r) => r.method === method && path.test(r.path)),
    stop: async () => {
      await close(proxy);
      await close(storageServer);
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
