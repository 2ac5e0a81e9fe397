import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { HoistError } from '../../src/errors.js';
import { bulkGet, type BulkGetOptions, type BulkResponse } from '../../src/http1/bulk-get.js';
import { testPki } from '../helpers/registry-pki.js';
import { closed, startHttpServer, startRawServer, type TestServer } from '../helpers/servers.js';

const MiB = 1024 * 1024;
const PLAIN: BulkGetOptions = { headers: {}, tls: { insecure: false } };
/** Random bytes shared by the tests that need a large body; each takes a slice. */
const LARGE = randomBytes(32 * MiB);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Reads the whole body through pipeTo, copying each chunk (it is only valid during the call). */
async function readAll(response: BulkResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await response.body.pipeTo((chunk) => void chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks);
}

/** Collects the body by async iteration, as error documents are read. */
async function iterate(response: BulkResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const rawHead = (status: string, headers: string[]) => `HTTP/1.1 ${status}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
const chunk = (bytes: Buffer | string) => Buffer.concat([Buffer.from(`${Buffer.byteLength(bytes).toString(16)}\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]);

function hasCode(code: string | RegExp) {
  return (err: unknown) => {
    const actual = (err as { code?: unknown }).code;
    assert.ok(typeof actual === 'string' && (typeof code === 'string' ? actual === code : code.test(actual)), `code ${String(actual)} in ${String(err)}`);
    return true;
  };
}

function isHoistError(code: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  };
}

/** Stops every server a test started, whether it passed or not. */
const servers: TestServer[] = [];
async function using<T extends TestServer>(server: Promise<T>): Promise<T> {
  const started = await server;
  servers.push(started);
  return started;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('bodies arrive byte for byte', () => {
  test('a multi-MiB body with Content-Length', async () => {
    const body = LARGE.subarray(0, 12 * MiB + 321);
    const server = await using(
      startHttpServer((_, res) => {
        res.writeHead(200, { 'content-length': body.length, 'docker-content-digest': 'sha256:x' });
        for (let at = 0; at < body.length; at += 700_000) res.write(body.subarray(at, at + 700_000));
        res.end();
      }),
    );
    const response = await bulkGet(server.url('/v2/app/blobs/sha256:x'), PLAIN);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-length'], String(body.length));
    assert.equal(response.headers['docker-content-digest'], 'sha256:x');
    const hash = createHash('sha256');
    let size = 0;
    await response.body.pipeTo((chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    assert.equal(size, body.length);
    assert.equal(hash.digest('hex'), sha256(body));
  });

  test('a multi-MiB chunked body (chunks of every size)', async () => {
    const body = LARGE.subarray(5, 10 * MiB);
    const server = await using(
      startHttpServer((_, res) => {
        let size = 1;
        for (let at = 0; at < body.length; at += size, size = (size * 7 + 3) % 300_000) res.write(body.subarray(at, at + size));
        res.end();
      }),
    );
    const response = await bulkGet(server.url(), PLAIN);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.equal(sha256(await readAll(response)), sha256(body));
  });

  test('a body delimited by the connection closing', async () => {
    const body = LARGE.subarray(0, 3 * MiB);
    const server = await using(
      startRawServer((socket) => void socket.end(Buffer.concat([Buffer.from(rawHead('200 OK', ['Content-Type: application/octet-stream'])), body]))),
    );
    const response = await bulkGet(server.url(), PLAIN);
    assert.equal(sha256(await readAll(response)), sha256(body));
  });

  test('a complete Content-Length body completes even when the server keeps the connection open', async () => {
    const server = await using(startRawServer((socket) => void socket.write(`${rawHead('200 OK', ['Content-Length: 5'])}hello`)));
    const response = await bulkGet(server.url(), PLAIN);
    assert.equal((await readAll(response)).toString(), 'hello');
    await closed(server.sockets[0]!);
  });

  test('204 and an empty Content-Length body complete without calling the sink', async () => {
    const server = await using(
      startRawServer(
        (socket, request) => void socket.write(request.startsWith('GET /204') ? rawHead('204 No Content', []) : rawHead('200 OK', ['Content-Length: 0'])),
      ),
    );
    for (const path of ['/204', '/empty']) {
      const response = await bulkGet(server.url(path), PLAIN);
      let calls = 0;
      await response.body.pipeTo(() => void calls++);
      assert.equal(calls, 0, path);
    }
  });

  test('interim 1xx responses are skipped: the final head and body are returned', async () => {
    const server = await using(
      startRawServer(async (socket) => {
        socket.write(rawHead('100 Continue', []) + rawHead('103 Early Hints', ['Link: </style.css>; rel=preload']));
        await nextTurn();
        socket.write(`${rawHead('200 OK', ['Content-Length: 11', 'X-Final: yes'])}final body`);
        await nextTurn();
        socket.write('!');
      }),
    );
    const response = await bulkGet(server.url(), PLAIN);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-final'], 'yes');
    assert.equal(response.headers.link, undefined);
    assert.equal((await readAll(response)).toString(), 'final body!');
  });
});

describe('backpressure', () => {
  for (const framing of ['length', 'chunked'] as const) {
    test(`a sink answering with slow promises gets everything in order, one chunk at a time, while the server is held back (${framing})`, async () => {
      const body = LARGE;
      let stalls = 0;
      let release!: () => void;
      const firstChunkHeld = new Promise<void>((resolve) => (release = resolve));
      const server = await using(
        startRawServer(async (socket) => {
          socket.write(rawHead('200 OK', [framing === 'length' ? `Content-Length: ${body.length}` : 'Transfer-Encoding: chunked']));
          // Pieces under the high-water mark: write() says false only once the kernel stops taking bytes.
          for (let at = 0; at < body.length; at += 8192) {
            const piece = body.subarray(at, at + 8192);
            if (!socket.write(framing === 'length' ? piece : chunk(piece))) {
              stalls++;
              release();
              await once(socket, 'drain');
            }
          }
          socket.end(framing === 'length' ? '' : '0\r\n\r\n');
          release();
        }),
      );
      const response = await bulkGet(server.url(), PLAIN);
      const hash = createHash('sha256');
      let calls = 0;
      let busy = false;
      let overlapping = 0;
      let changed = 0;
      await response.body.pipeTo(async (chunk) => {
        if (busy) overlapping++;
        busy = true;
        const copy = Buffer.from(chunk);
        hash.update(copy);
        // The first chunk is held until the server cannot write any more: the client must not read on.
        if (calls++ === 0) await firstChunkHeld;
        else await nextTurn();
        if (!chunk.equals(copy)) changed++;
        busy = false;
      });
      assert.equal(overlapping, 0, 'the sink was called again before its promise settled');
      assert.equal(changed, 0, 'a chunk changed before its promise settled');
      assert.equal(hash.digest('hex'), sha256(body));
      assert.ok(stalls > 0, "the server's writes never stalled while the sink held the first chunk");
    });
  }
});

describe('the request', () => {
  test('carries the given headers and the host, for the path and query asked, and asks for no close', async () => {
    let seen: IncomingMessage | undefined;
    const server = await using(
      startHttpServer((req, res) => {
        seen = req;
        res.end('ok');
      }),
    );
    const headers = { authorization: 'Bearer abc.def-ghi', range: 'bytes=1024-', 'user-agent': 'hoist-test/1.0' };
    const response = await bulkGet(server.url('/v2/team/app/blobs/sha256:abc?ns=docker.io'), { ...PLAIN, headers });
    assert.equal((await readAll(response)).toString(), 'ok');
    assert.equal(seen?.method, 'GET');
    assert.equal(seen?.url, '/v2/team/app/blobs/sha256:abc?ns=docker.io');
    assert.equal(seen?.httpVersion, '1.1');
    assert.equal(seen?.headers.authorization, headers.authorization);
    assert.equal(seen?.headers.range, headers.range);
    assert.equal(seen?.headers['user-agent'], headers['user-agent']);
    assert.equal(seen?.headers.host, `127.0.0.1:${server.port}`);
    assert.equal(seen?.headers.connection, undefined, 'HTTP/1.1 keeps the connection by default');
  });

  for (const [name, headers] of [
    ['a value (CRLF)', { authorization: 'Bearer x\r\nX-Injected: 1' }],
    ['a name (CRLF)', { 'x-a\r\nx-injected': '1' }],
    ['a value (bare LF)', { range: 'bytes=0-\nX-Injected: 1' }],
  ] as const) {
    test(`a line break in ${name} is refused before connecting`, async () => {
      const server = await using(startHttpServer((_, res) => res.end('ok')));
      await assert.rejects(bulkGet(server.url(), { ...PLAIN, headers }), isHoistError('INTERNAL', /line break/));
      await readAll(await bulkGet(server.url(), PLAIN));
      assert.equal(server.sockets.length, 1, 'the refused request made a connection');
    });
  }
});

describe('failures', () => {
  test('a body cut short by the server closing rejects with ECONNRESET, after the bytes that came', async () => {
    const server = await using(startRawServer((socket) => void socket.end(`${rawHead('200 OK', ['Content-Length: 1000'])}0123456789`)));
    const response = await bulkGet(server.url(), PLAIN);
    const received: Buffer[] = [];
    await assert.rejects(
      response.body.pipeTo((c) => void received.push(Buffer.from(c))),
      hasCode('ECONNRESET'),
    );
    assert.equal(Buffer.concat(received).toString(), '0123456789');
  });

  test('a chunked body without its last chunk rejects with ECONNRESET', async () => {
    const server = await using(
      startRawServer((socket) => void socket.end(Buffer.concat([Buffer.from(rawHead('200 OK', ['Transfer-Encoding: chunked'])), chunk('partial')]))),
    );
    const response = await bulkGet(server.url(), PLAIN);
    await assert.rejects(readAll(response), hasCode('ECONNRESET'));
  });

  test('a connection closed before the head ends rejects with ECONNRESET', async () => {
    const server = await using(startRawServer((socket) => void socket.end('HTTP/1.1 200 OK\r\nContent-Len')));
    await assert.rejects(bulkGet(server.url(), PLAIN), hasCode('ECONNRESET'));
  });

  test('a refused connection rejects with the socket error', async () => {
    const server = await using(startRawServer(() => undefined));
    const url = server.url();
    await server.close();
    await assert.rejects(bulkGet(url, PLAIN), hasCode('ECONNREFUSED'));
  });

  for (const [name, response, message] of [
    ['a malformed status line', 'HTTP/1.1 OK\r\n\r\n', /bad status line/],
    ['a non-HTTP greeting', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', /bad status line/],
    ['a malformed header line', 'HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n', /bad header line/],
    ['conflicting Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', /bad Content-Length/],
    ['an unsupported Transfer-Encoding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /unsupported Transfer-Encoding/],
    ['an oversized head', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, /the response head is larger than 65536 bytes/],
  ] as const) {
    test(`${name} rejects with REGISTRY_ERROR naming the server`, async () => {
      const server = await using(startRawServer((socket) => void socket.write(response)));
      await assert.rejects(
        bulkGet(server.url(), PLAIN),
        isHoistError('REGISTRY_ERROR', new RegExp(`^127\\.0\\.0\\.1:${server.port} sent a malformed HTTP response: .*${message.source}`)),
      );
      await closed(server.sockets[0]!);
    });
  }

  test('a malformed chunk in the body rejects pipeTo with REGISTRY_ERROR and closes the connection', async () => {
    const server = await using(startRawServer((socket) => void socket.write(`${rawHead('200 OK', ['Transfer-Encoding: chunked'])}5\r\nhello\r\nzz\r\n`)));
    const response = await bulkGet(server.url(), PLAIN);
    await assert.rejects(readAll(response), isHoistError('REGISTRY_ERROR', /bad chunk size line/));
    await closed(server.sockets[0]!);
  });

  for (const [name, sink] of [
    [
      'throws',
      () => {
        throw new Error('disk full');
      },
    ],
    [
      'returns a rejected promise',
      async () => {
        throw new Error('disk full');
      },
    ],
  ] as const) {
    test(`a sink that ${name} rejects pipeTo with its error and closes the connection`, async () => {
      const server = await using(
        startRawServer((socket) => void socket.write(Buffer.concat([Buffer.from(rawHead('200 OK', [`Content-Length: ${64 * MiB}`])), LARGE.subarray(0, MiB)]))),
      );
      const response = await bulkGet(server.url(), PLAIN);
      await assert.rejects(response.body.pipeTo(sink), /disk full/);
      await closed(server.sockets[0]!);
    });
  }

  test('reading a body twice is refused', async () => {
    const server = await using(startRawServer((socket) => void socket.end(`${rawHead('200 OK', ['Content-Length: 2'])}ok`)));
    const response = await bulkGet(server.url(), PLAIN);
    await readAll(response);
    await assert.rejects(readAll(response), isHoistError('INTERNAL', /read only once/));
  });
});

describe('aborting', () => {
  /** A server that sends the head and the first MiB of a much larger body, then nothing more. */
  const stalling = () =>
    startRawServer((socket) => void socket.write(Buffer.concat([Buffer.from(rawHead('200 OK', [`Content-Length: ${64 * MiB}`])), LARGE.subarray(0, MiB)])));

  test('mid-body: pipeTo rejects with the abort reason and the server sees the connection closed', async () => {
    const server = await using(stalling());
    const controller = new AbortController();
    const reason = new HoistError('ABORTED', 'interrupted');
    const response = await bulkGet(server.url(), { ...PLAIN, signal: controller.signal });
    let received = 0;
    await assert.rejects(
      response.body.pipeTo((chunk) => {
        received += chunk.length;
        if (received === MiB) setImmediate(() => controller.abort(reason));
      }),
      (err) => err === reason,
    );
    assert.equal(received, MiB);
    await closed(server.sockets[0]!);
  });

  test('a reason that is not a HoistError becomes ABORTED with it as the cause', async () => {
    const server = await using(stalling());
    const controller = new AbortController();
    const reason = new Error('user pressed ^C');
    const response = await bulkGet(server.url(), { ...PLAIN, signal: controller.signal });
    const reading = response.body.pipeTo(() => void setImmediate(() => controller.abort(reason)));
    await assert.rejects(reading, (err: unknown) => isHoistError('ABORTED', /aborted/)(err) && (err as Error).cause === reason);
  });

  test('an abort from inside the sink stops delivery at once', async () => {
    const pieces = Array.from({ length: 20 }, (_, i) => chunk(`piece ${i}`));
    const server = await using(
      startRawServer((socket) => void socket.write(Buffer.concat([Buffer.from(rawHead('200 OK', ['Transfer-Encoding: chunked'])), ...pieces]))),
    );
    const controller = new AbortController();
    const response = await bulkGet(server.url(), { ...PLAIN, signal: controller.signal });
    let calls = 0;
    await assert.rejects(
      response.body.pipeTo(() => {
        calls++;
        controller.abort();
      }),
      isHoistError('ABORTED', /aborted/),
    );
    assert.equal(calls, 1, 'the sink was given more bytes after the abort');
  });

  test('before the head: bulkGet rejects and the connection is closed', async () => {
    const controller = new AbortController();
    const server = await using(startRawServer(() => controller.abort()));
    await assert.rejects(bulkGet(server.url(), { ...PLAIN, signal: controller.signal }), isHoistError('ABORTED', /aborted/));
    await closed(server.sockets[0]!);
  });

  test('an already aborted signal rejects at once', async () => {
    const server = await using(startHttpServer((_, res) => res.end('ok')));
    await assert.rejects(bulkGet(server.url(), { ...PLAIN, signal: AbortSignal.abort() }), isHoistError('ABORTED', /aborted/));
  });
});

describe('discarding and collecting', () => {
  test('dump() closes the connection without reading the body, and the body cannot be read after', async () => {
    const server = await using(
      startRawServer(
        (socket) => void socket.write(Buffer.concat([Buffer.from(rawHead('404 Not Found', [`Content-Length: ${64 * MiB}`])), LARGE.subarray(0, MiB)])),
      ),
    );
    const response = await bulkGet(server.url(), PLAIN);
    await response.body.dump();
    await closed(server.sockets[0]!);
    await assert.rejects(readAll(response), /discarded/);
  });

  for (const framing of ['length', 'chunked'] as const) {
    test(`async iteration yields an error document whole (${framing})`, async () => {
      const document = JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: 'sha256:abc' }] });
      const server = await using(
        startHttpServer((_, res) => {
          res.writeHead(404, { 'content-type': 'application/json', ...(framing === 'length' ? { 'content-length': Buffer.byteLength(document) } : {}) });
          res.write(document.slice(0, 10));
          res.end(document.slice(10));
        }),
      );
      const response = await bulkGet(server.url(), PLAIN);
      assert.equal(response.statusCode, 404);
      assert.equal((await iterate(response)).toString(), document);
    });
  }

  test('async iteration of a body far larger than 64 KiB yields every byte, in order', async () => {
    const body = LARGE.subarray(0, 4 * MiB);
    const server = await using(
      startRawServer(
        (socket) => void socket.write(Buffer.concat([Buffer.from(rawHead('500 Internal Server Error', [`Content-Length: ${body.length}`])), body])),
      ),
    );
    const collected = await iterate(await bulkGet(server.url(), PLAIN));
    assert.equal(collected.length, body.length);
    assert.ok(collected.equals(body));
  });

  test('async iteration of a body cut short past 64 KiB throws, after the bytes that came', async () => {
    const body = LARGE.subarray(0, MiB);
    const server = await using(
      startRawServer(
        (socket) => void socket.end(Buffer.concat([Buffer.from(rawHead('500 Internal Server Error', [`Content-Length: ${2 * body.length}`])), body])),
      ),
    );
    const chunks: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const chunk of (await bulkGet(server.url(), PLAIN)).body) chunks.push(chunk);
    }, hasCode('ECONNRESET'));
    assert.ok(Buffer.concat(chunks).equals(body));
  });

  test('leaving an async iteration early closes the connection', async () => {
    const server = await using(
      startRawServer(
        (socket) =>
          void socket.write(Buffer.concat([Buffer.from(rawHead('500 Internal Server Error', [`Content-Length: ${64 * MiB}`])), LARGE.subarray(0, 4 * MiB)])),
      ),
    );
    for await (const chunk of (await bulkGet(server.url(), PLAIN)).body) {
      assert.ok(chunk.length > 0);
      break;
    }
    await closed(server.sockets[0]!);
  });
});

describe('HTTPS', () => {
  const pki = testPki();
  const ca = pki.pem(pki.caCert);
  const body = LARGE.subarray(0, 6 * MiB);
  let server: TestServer;
  let mtls: TestServer;
  before(async () => {
    const key = pki.pem(pki.serverKey);
    const cert = pki.pem(pki.serverCert);
    server = await using(startHttpServer((_, res) => res.end(body), { key, cert }));
    mtls = await using(
      startHttpServer((req, res) => res.end((req.socket as TLSSocket).getPeerCertificate().subject.CN), {
        key,
        cert,
        ca: [ca],
        requestCert: true,
        rejectUnauthorized: true,
      }),
    );
  });

  test('a server certificate from a CA in certs.d is trusted, and the body arrives intact', async () => {
    const response = await bulkGet(server.url(), { headers: {}, tls: { insecure: false, certs: { ca: [ca], clientCerts: [] } } });
    assert.equal(response.statusCode, 200);
    assert.equal(sha256(await readAll(response)), sha256(body));
  });

  test('a certificate from an unknown CA is refused with a TLS error', async () => {
    await assert.rejects(bulkGet(server.url(), PLAIN), hasCode(/CERT|SELF_SIGNED|UNABLE_TO/));
  });

  test('a certificate for another name is refused even from a trusted CA', async () => {
    const other = await using(startHttpServer((_, res) => res.end('x'), { key: pki.pem(pki.tokenKey), cert: pki.pem(pki.tokenCert) }));
    await assert.rejects(
      bulkGet(other.url(), { headers: {}, tls: { insecure: false, certs: { ca: [ca, pki.pem(pki.tokenCert)], clientCerts: [] } } }),
      hasCode('ERR_TLS_CERT_ALTNAME_INVALID'),
    );
  });

  test('insecure accepts a certificate nothing vouches for', async () => {
    const response = await bulkGet(server.url(), { headers: {}, tls: { insecure: true } });
    assert.equal(sha256(await readAll(response)), sha256(body));
  });

  test('a client certificate from certs.d is presented to a server that requires one', async () => {
    const certs = { dir: pki.dir, ca: [ca], clientCerts: [{ cert: pki.pem(pki.clientCert), key: pki.pem(pki.clientKey) }] };
    const response = await bulkGet(mtls.url(), { headers: {}, tls: { insecure: false, certs } });
    assert.equal((await readAll(response)).toString(), 'hoist test client');
  });
});

describe('kept connections', () => {
  const ok = (body: string, extra: string[] = []) => `${rawHead('200 OK', [`Content-Length: ${body.length}`, ...extra])}${body}`;

  test('a second GET to the same origin goes over the same connection', async () => {
    const server = await using(startRawServer((socket, request) => void socket.write(ok(request.split(' ')[1]!))));
    assert.equal((await readAll(await bulkGet(server.url('/first'), PLAIN))).toString(), '/first');
    assert.equal((await readAll(await bulkGet(server.url('/second'), PLAIN))).toString(), '/second');
    assert.equal(server.requests.length, 2);
    assert.equal(server.sockets.length, 1);
  });

  test('a kept connection the server closed meanwhile is replaced, and the GET succeeds', async () => {
    const server = await using(startRawServer((socket, request) => void socket.write(ok(request.split(' ')[1]!))));
    assert.equal((await readAll(await bulkGet(server.url('/first'), PLAIN))).toString(), '/first');
    server.sockets[0]!.destroy(); // the server's keep-alive timeout, as the client cannot yet see it
    assert.equal((await readAll(await bulkGet(server.url('/second'), PLAIN))).toString(), '/second');
    assert.equal(server.sockets.length, 2);
  });

  test('a response with Connection: close, a close-delimited body, or bytes past its end is not kept', async () => {
    for (const respond of [
      (socket: Socket) => void socket.write(ok('bye', ['Connection: close'])),
      (socket: Socket) => void socket.end(`${rawHead('200 OK', [])}until close`),
      (socket: Socket) => void socket.write(`${ok('body')}garbage`),
    ]) {
      const server = await using(startRawServer(respond));
      await readAll(await bulkGet(server.url('/a'), PLAIN));
      await bulkGet(server.url('/b'), PLAIN).then(readAll, () => undefined);
      assert.equal(server.sockets.length, 2, String(respond));
      await closed(server.sockets[0]!);
    }
  });

  test('a kept connection still reads: a close from the server is seen and answered at once, not at the next request', async () => {
    const server = await using(
      startRawServer(async (socket) => {
        // The body ends in a later read than the head: the connection is released inside a read.
        socket.write(`${rawHead('200 OK', ['Content-Length: 4'])}bo`);
        await sleep(50);
        socket.write('dy');
        await sleep(50);
        socket.end(); // the server's keep-alive timeout; its socket closes once the client answers
      }),
    );
    assert.equal((await readAll(await bulkGet(server.url('/a'), PLAIN))).toString(), 'body');
    // Well under the pool's 15 s idle limit: only a connection that reads sees the close this soon.
    const answered = await Promise.race([closed(server.sockets[0]!).then(() => true), sleep(5_000).then(() => false)]);
    assert.equal(answered, true);
  });

  test('a connection kept under one trust decision is not used under another', async () => {
    const server = await using(startRawServer((socket, request) => void socket.write(ok(request.split(' ')[1]!))));
    await readAll(await bulkGet(server.url('/plain'), PLAIN));
    await readAll(await bulkGet(server.url('/insecure'), { ...PLAIN, tls: { insecure: true } }));
    assert.equal(server.sockets.length, 2);
  });
});
