import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { HoistError, isHoistError } from '../../src/errors.js';
import { bulkGet } from '../../src/http1/bulk-get.js';
import { proxyRules } from '../../src/http1/proxy-env.js';
import { fetchSignatures, RegistryClient } from '../../src/registry/index.js';
import type { RegistrySourceOptions } from '../../src/transports/docker.js';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../helpers/connect-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { PROXIED_REGISTRY_NAME, testPki } from '../helpers/registry-pki.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';
import { startHttpServer } from '../helpers/servers.js';

// Pulls from the real registry through a real forward proxy on loopback (test/helpers/connect-proxy.ts).
// The registry is named PROXIED_REGISTRY_NAME, which only the proxy resolves: a request that did
// not go through the proxy cannot reach it at all.

/** Layers of incompressible bytes, so that the blob bytes are most of what a pull moves. */
const image = buildImage({ layers: [{ 'a.bin': randomBytes(384 * 1024).toString('base64') }, { 'b.bin': randomBytes(384 * 1024).toString('base64') }] });
const layerBytes = image.layers.reduce((sum, layer) => sum + layer.size, 0);
const OTHER_NAME = 'other.hoist.test';
const hosts = { [PROXIED_REGISTRY_NAME]: '127.0.0.1', [OTHER_NAME]: '127.0.0.1', 'lookaside.hoist.test': '127.0.0.1' };

let scratch: Scratch;
const proxies: ConnectProxy[] = [];
async function proxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const started = await startConnectProxy({ hosts, ...options });
  proxies.push(started);
  return started;
}
before(async () => (scratch = await makeScratch()));
after(async () => {
  for (const started of proxies) await started.stop();
  await scratch.remove();
});

const port = (registry: RegistryHandle) => registry.host.split(':')[1]!;
const authority = (registry: RegistryHandle, name = PROXIED_REGISTRY_NAME) => `${name}:${port(registry)}`;
/** Options for a pull whose environment is `env` (and the scratch one), no retries. */
const withEnv = (env: NodeJS.ProcessEnv, extra: RegistrySourceOptions = {}) => scratch.options({ retry: 0, env: { ...scratch.env, ...env }, ...extra });
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

function proxyError(message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HoistError && err.code === 'CONNECTION_FAILED', String(err));
    assert.match(err.message, message);
    return true;
  };
}

describe('an https registry through HTTPS_PROXY', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ tls: true, auth: 'htpasswd' });
    await pushImage(registry, 'px/app', image, 'v1');
  });
  after(async () => registry.stop());
  const creds = () => ({ username: registry.username!, password: registry.password! });

  test('every connection, blob downloads included, is a CONNECT tunnel to the registry, and the proxy sees no request inside', async () => {
    const forward = await proxy();
    const { image: pulled } = await pull(
      scratch,
      `${authority(registry)}/px/app:v1`,
      withEnv({ HTTPS_PROXY: forward.url }, { certDir: registry.certDir!, creds: creds() }),
    );
    assert.equal(pulled.id, image.id);
    assert.ok(forward.requests.length >= 2, `${forward.requests.length} tunnels`);
    for (const seen of forward.requests) {
      assert.equal(seen.method, 'CONNECT');
      assert.equal(seen.target, authority(registry));
      assert.equal(seen.headers.authorization, undefined, "the registry's credentials stay inside TLS");
    }
    assert.ok(forward.bytesDown() > layerBytes, `${forward.bytesDown()} bytes relayed for ${layerBytes} bytes of layers`);
  });

  test('the lower-case https_proxy is read too, and NO_PROXY for another name does not exempt the registry', async () => {
    const forward = await proxy();
    const { image: pulled } = await pull(
      scratch,
      `${authority(registry)}/px/app:v1`,
      withEnv({ https_proxy: forward.url, NO_PROXY: `${OTHER_NAME},${PROXIED_REGISTRY_NAME}:1` }, { certDir: registry.certDir!, creds: creds() }),
    );
    assert.equal(pulled.id, image.id);
    assert.ok(forward.requests.length >= 2);
  });

  test('NO_PROXY exempts the registry: hoist connects directly (and here cannot resolve the name)', async () => {
    const control = await proxy();
    await pull(
      scratch,
      `${authority(registry)}/px/app:v1`,
      withEnv({ HTTPS_PROXY: control.url, NO_PROXY: OTHER_NAME }, { certDir: registry.certDir!, creds: creds() }),
    );
    assert.ok(control.requests.length >= 2, 'a NO_PROXY naming another host exempts nothing');
    for (const noProxy of ['.hoist.test', PROXIED_REGISTRY_NAME, `*.hoist.test`, `${PROXIED_REGISTRY_NAME}:${port(registry)}`, '*']) {
      const forward = await proxy();
      await assert.rejects(
        pull(scratch, `${authority(registry)}/px/app:v1`, withEnv({ HTTPS_PROXY: forward.url, NO_PROXY: noProxy }, { certDir: registry.certDir! })),
        (err: unknown) => isHoistError(err, 'CONNECTION_FAILED') && err.message.includes(`DNS lookup of ${PROXIED_REGISTRY_NAME} failed`),
        noProxy,
      );
      assert.deepEqual(forward.requests, [], noProxy);
    }
  });

  test("TLS inside the tunnel is checked against the registry's name, not the proxy's", async () => {
    // The certificate holds 127.0.0.1, the proxy's address, but not this name.
    const forward = await proxy();
    await assert.rejects(
      pull(scratch, `${authority(registry, OTHER_NAME)}/px/app:v1`, withEnv({ HTTPS_PROXY: forward.url }, { certDir: registry.certDir! })),
      (err: unknown) => {
        assert.ok(isHoistError(err, 'TLS_ERROR'), String(err));
        assert.match(err.message, new RegExp(`TLS error talking to ${OTHER_NAME}:${port(registry)}: .*${OTHER_NAME}`));
        return true;
      },
    );
    assert.deepEqual(
      forward.requests.map((r) => r.target),
      [authority(registry, OTHER_NAME)],
    );
  });

  test('the blob path verifies TLS in its tunnel the same way', async () => {
    const forward = await proxy();
    const pki = testPki();
    const options = {
      headers: {},
      tls: { insecure: false, certs: { ca: [pki.pem(pki.caCert)], clientCerts: [] } },
      proxies: proxyRules({ HTTPS_PROXY: forward.url }),
    };
    const response = await bulkGet(new URL(`https://${authority(registry)}/v2/`), options);
    assert.equal(response.statusCode, 401);
    await response.body.dump();
    await assert.rejects(
      bulkGet(new URL(`https://${authority(registry, OTHER_NAME)}/v2/`), options),
      (err: unknown) => (err as NodeJS.ErrnoException).code === 'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    assert.deepEqual(
      forward.requests.map((r) => r.target),
      [authority(registry), authority(registry, OTHER_NAME)],
    );
  });

  test('credentials in the proxy URL go as Proxy-Authorization on every CONNECT', async () => {
    const forward = await proxy({ credentials: 'proxy-user:s3cr@t' });
    const { image: pulled } = await pull(
      scratch,
      `${authority(registry)}/px/app:v1`,
      withEnv({ HTTPS_PROXY: `http://proxy-user:s3cr%40t@127.0.0.1:${forward.port}` }, { certDir: registry.certDir!, creds: creds() }),
    );
    assert.equal(pulled.id, image.id);
    assert.ok(forward.requests.length >= 2);
    for (const seen of forward.requests) assert.equal(seen.headers['proxy-authorization'], basic('proxy-user:s3cr@t'));
  });

  test('a 407 fails with one error naming the proxy and the status, never the credentials, and is not retried', async () => {
    const forward = await proxy({ credentials: 'proxy-user:right' });
    await assert.rejects(
      pull(
        scratch,
        `${authority(registry)}/px/app:v1`,
        withEnv({ HTTPS_PROXY: `http://proxy-user:wrong-pw@127.0.0.1:${forward.port}` }, { certDir: registry.certDir!, retry: 3 }),
      ),
      (err: unknown) => {
        proxyError(
          new RegExp(
            `^proxy http://127\\.0\\.0\\.1:${forward.port} \\(HTTPS_PROXY\\) refused to connect to ${authority(registry)}: 407 Proxy Authentication Required$`,
          ),
        )(err);
        assert.match((err as HoistError).hint!, /refused the user and password/);
        assert.ok(!JSON.stringify(err, Object.getOwnPropertyNames(err)).includes('wrong-pw'));
        return true;
      },
    );
    assert.equal(forward.requests.length, 1);
    await assert.rejects(
      pull(scratch, `${authority(registry)}/px/app:v1`, withEnv({ HTTPS_PROXY: forward.url }, { certDir: registry.certDir! })),
      (err: unknown) => {
        assert.match((err as HoistError).hint!, /give them in its URL, http:\/\/USER:PASSWORD@HOST:PORT/);
        return true;
      },
    );
  });

  for (const [status, reason] of [
    [403, 'Forbidden'],
    [502, 'Bad Gateway'],
  ] as const) {
    test(`a proxy that refuses CONNECT with ${status} fails with one error naming it and the status`, async () => {
      const forward = await proxy({ refuse: status });
      await assert.rejects(
        pull(scratch, `${authority(registry)}/px/app:v1`, withEnv({ HTTPS_PROXY: forward.url }, { certDir: registry.certDir! })),
        proxyError(
          new RegExp(`^proxy http://127\\.0\\.0\\.1:${forward.port} \\(HTTPS_PROXY\\) refused to connect to ${authority(registry)}: ${status} ${reason}$`),
        ),
      );
    });
  }

  test('a proxy that cannot be reached is named as what could not be reached', async () => {
    const gone = await proxy();
    await gone.stop();
    await assert.rejects(
      pull(scratch, `${authority(registry)}/px/app:v1`, withEnv({ HTTPS_PROXY: gone.url }, { certDir: registry.certDir! })),
      proxyError(new RegExp(`^cannot connect to proxy http://127\\.0\\.0\\.1:${gone.port} \\(HTTPS_PROXY\\) for ${authority(registry)}: connection refused$`)),
    );
  });
});

describe('a plain-HTTP registry through HTTP_PROXY', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    await pushImage(registry, 'px/app', image, 'v1');
  });
  after(async () => registry.stop());
  const creds = () => ({ username: registry.username!, password: registry.password! });

  test("requests go to the proxy in absolute-URI form, blob GETs included, with the registry's Authorization as Go sends it", async () => {
    const forward = await proxy({ credentials: 'u:p' });
    const env = { HTTP_PROXY: `http://u:p@127.0.0.1:${forward.port}` };
    const { image: pulled } = await pull(scratch, `${authority(registry)}/px/app:v1`, withEnv(env, { insecure: true, creds: creds() }));
    assert.equal(pulled.id, image.id);
    const targets = forward.requests.map((r) => `${r.method} ${r.target}`);
    const origin = `http://${authority(registry)}`;
    assert.ok(targets.includes(`GET ${origin}/v2/`), targets.join('\n'));
    for (const layer of image.layers) assert.ok(targets.includes(`GET ${origin}/v2/px/app/blobs/${layer.digest}`), targets.join('\n'));
    for (const seen of forward.requests) {
      assert.equal(seen.headers['proxy-authorization'], basic('u:p'));
      assert.equal(seen.headers.host, authority(registry));
    }
    const blobGet = forward.requests.find((r) => r.target.endsWith(image.layers[0]!.digest))!;
    assert.equal(blobGet.headers.authorization, basic(`${registry.username}:${registry.password}`));
  });

  test("a 407 to a request sent to the proxy is the proxy's refusal, on both paths", async () => {
    const forward = await proxy({ credentials: 'u:p' });
    const env = { HTTP_PROXY: `http://u:wrong@127.0.0.1:${forward.port}` };
    const refused = proxyError(
      new RegExp(
        `^proxy http://127\\.0\\.0\\.1:${forward.port} \\(HTTP_PROXY\\) refused to connect to ${authority(registry)}: 407 Proxy Authentication Required$`,
      ),
    );
    await assert.rejects(pull(scratch, `${authority(registry)}/px/app:v1`, withEnv(env, { insecure: true })), refused);
    await assert.rejects(
      bulkGet(new URL(`http://${authority(registry)}/v2/px/app/blobs/${image.layers[0]!.digest}`), {
        headers: {},
        tls: { insecure: true },
        proxies: proxyRules(env),
      }),
      refused,
    );
  });

  test("a lookaside is read through the registry client's proxy, without credentials", async () => {
    const digest = image.manifest.digest;
    const signature = Buffer.concat([Buffer.from([0xa3, 0x01]), Buffer.from('a simple-signing blob; only fetched here')]);
    const lookaside = await startHttpServer((req, res) => {
      if (req.url === `/px/app@sha256=${digest.slice(7)}/signature-1`) res.end(signature);
      else res.writeHead(404).end();
    });
    try {
      const forward = await proxy();
      const client = await RegistryClient.open(registry.host, 'px/app', withEnv({ HTTP_PROXY: forward.url }, { insecure: true, creds: creds() }));
      const base = new URL(`http://lookaside.hoist.test:${lookaside.port}/`);
      forward.requests.length = 0; // the registry itself is on loopback: never proxied
      const signatures = await fetchSignatures(client, digest, {
        lookaside: base,
        useSigstoreAttachments: false,
        from: { lookaside: 'test', useSigstoreAttachments: 'test' },
      });
      assert.deepEqual(signatures, [{ format: 'simple-signing', blob: signature }]);
      assert.deepEqual(
        forward.requests.map((r) => `${r.method} ${r.target}`),
        [1, 2].map((n) => `GET ${base.origin}/px/app@sha256=${digest.slice(7)}/signature-${n}`),
      );
      assert.ok(forward.requests.every((r) => r.headers.authorization === undefined));
    } finally {
      await lookaside.close();
    }
  });
});
