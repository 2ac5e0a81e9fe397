import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { bulkGet } from '../../src/http1/bulk-get.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';
import { startRawServer } from '../helpers/servers.js';

// A server that accepts TCP connections and then says nothing to a TLS ClientHello (a wrong
// port, a middlebox): the pull fails, or falls back to plain HTTP where that is allowed, after
// one TLS handshake timeout (10 s), not after --retry rounds of 30 s connect timeouts.
const image = buildImage({ layers: [{ 'silent.txt': 'behind a silent TLS port\n' }] });
/** Generous: the handshake limit is 10 s; the old behaviour took over 120 s. Loaded machines are slow. */
const WITHIN_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;

let scratch: Scratch;
let registry: RegistryHandle;
before(async () => {
  scratch = await makeScratch();
  registry = await startRegistry();
  await pushImage(registry, 'silent/app', image, 'v1');
});
after(async () => {
  await registry.stop();
  await scratch.remove();
});

/**
 * A port where a TLS ClientHello (first byte 0x16) meets silence and anything else is passed to
 * the plain-HTTP test registry. `tlsAttempts` counts the connections that began a handshake.
 */
async function silentToTls(): Promise<{ host: string; tlsAttempts: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let tlsAttempts = 0;
  const upstream = new URL(registry.url);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      if (first[0] === 0x16) {
        tlsAttempts++;
        return; // swallowed: no answer, no close
      }
      const up = connect(Number(upstream.port), upstream.hostname);
      sockets.add(up);
      up.on('error', () => socket.destroy());
      up.write(first);
      socket.pipe(up).pipe(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    tlsAttempts: () => tlsAttempts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a silent HTTPS endpoint', { concurrency: true }, () => {
  test('fails within one TLS handshake timeout, naming the registry, and is not tried again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const silent = await startRawServer(() => undefined);
    const host = `127.0.0.1:${silent.port}`;
    try {
      const started = Date.now();
      // The default --retry (3): a silent endpoint must not be given them.
      await assert.rejects(pull(scratch, `${host}/silent/app:v1`, scratch.options()), (err: unknown) => {
        assert.ok(isHoistError(err, 'CONNECTION_FAILED'), String(err));
        assert.match(err.message, new RegExp(`^connection to ${host} failed: the TLS handshake did not finish within 10 s`));
        assert.match(err.hint ?? '', /HTTPS/);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed < WITHIN_MS, `took ${elapsed} ms`);
      assert.equal(silent.sockets.length, 1, 'one connection: the handshake that timed out is not retried');
    } finally {
      await silent.close();
    }
  });

  test('of an insecure registry falls back to plain HTTP after one handshake timeout, and pulls', { timeout: TEST_TIMEOUT_MS }, async () => {
    const front = await silentToTls();
    try {
      const started = Date.now();
      const { image: pulled } = await pull(scratch, `${front.host}/silent/app:v1`, scratch.options({ insecure: true }));
      const elapsed = Date.now() - started;
      assert.equal(pulled.id, image.id);
      assert.ok(elapsed < WITHIN_MS, `took ${elapsed} ms`);
      assert.equal(front.tlsAttempts(), 1);
    } finally {
      await front.close();
    }
  });

  test('meets the same limit on the blob download path', { timeout: TEST_TIMEOUT_MS }, async () => {
    const silent = await startRawServer(() => undefined);
    try {
      const started = Date.now();
      await assert.rejects(
        bulkGet(new URL(`https://127.0.0.1:${silent.port}/v2/silent/app/blobs/x`), { headers: {}, tls: { insecure: true } }),
        (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, 'ERR_TLS_HANDSHAKE_TIMEOUT', String(err));
          return true;
        },
      );
      assert.ok(Date.now() - started < WITHIN_MS, 'before the 60 s idle timeout');
    } finally {
      await silent.close();
    }
  });
});
