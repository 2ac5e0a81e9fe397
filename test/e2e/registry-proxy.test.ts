import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { PROXIED_REGISTRY_NAME } from '../helpers/registry-pki.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeSandbox, type Sandbox } from '../engine/support.js';

// `hoist pull` behind a forward proxy, as a script sees it: HTTPS_PROXY from the environment, the
// proxy's password in it, and nothing of that password on stdout or stderr, even at debug level.
const app = buildImage({ layers: [{ 'etc/app': 'behind a proxy\n' }] });
const PASSWORD = 'pr0xy-s3cret';

let sandbox: Sandbox;
let registry: RegistryHandle;
let proxy: ConnectProxy;
before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry({ tls: true });
  await pushImage(registry, 'e2e/app', app, '1');
  proxy = await startConnectProxy({ hosts: { [PROXIED_REGISTRY_NAME]: '127.0.0.1' }, credentials: `proxy-user:${PASSWORD}` });
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  await sandbox?.remove();
});

const name = () => `${PROXIED_REGISTRY_NAME}:${registry.host.split(':')[1]}/e2e/app:1`;

/** `hoist pull NAME` with only `env`'s proxy variables set (whatever the test runner's are). */
function pullThrough(env: Record<string, string>, extra: string[] = []): Promise<RunResult> {
  const proxies = { HTTPS_PROXY: undefined, https_proxy: undefined, HTTP_PROXY: undefined, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };
  return runHoist(['--root', sandbox.root(), ...extra, 'pull', '--retry', '0', '--cert-dir', registry.certDir!, name()], {
    env: { ...sandbox.cliEnv, ...proxies, ...env },
  });
}

function assertNoSecret(result: RunResult): void {
  const output = result.stdout + result.stderr;
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`proxy-user:${PASSWORD}`).toString('base64')]) {
    assert.ok(!output.includes(secret), `the proxy password (as ${secret}) reached the output:\n${output}`);
  }
}

describe('hoist pull through HTTPS_PROXY', () => {
  test("pulls through CONNECT tunnels with the proxy's credentials, and prints none of them at debug level", async () => {
    const before = proxy.requests.length;
    const result = await pullThrough({ HTTPS_PROXY: `http://proxy-user:${PASSWORD}@127.0.0.1:${proxy.port}` }, ['--log-level', 'debug']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${app.id}\n`);
    const seen = proxy.requests.slice(before);
    assert.ok(seen.length >= 2 && seen.every((r) => r.method === 'CONNECT' && r.headers['proxy-authorization'] !== undefined), JSON.stringify(seen));
    assertNoSecret(result);
  });

  test('a proxy that refuses the credentials: one Error line naming the proxy and 407, exit 125, no password', async () => {
    const result = await pullThrough({ https_proxy: `http://proxy-user:wrong-${PASSWORD}@127.0.0.1:${proxy.port}` });
    assert.equal(result.status, 125, result.stderr);
    assert.equal(result.stdout, '');
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error: '));
    assert.deepEqual(errors, [
      `Error: proxy http://127.0.0.1:${proxy.port} (https_proxy) refused to connect to ${name().split('/')[0]}: 407 Proxy Authentication Required`,
    ]);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assertNoSecret(result);
  });

  test('a proxy URL hoist cannot use: one Error line naming the variable, exit 125, no password', async () => {
    const result = await pullThrough({ HTTPS_PROXY: `socks5://proxy-user:${PASSWORD}@127.0.0.1:${proxy.port}` });
    assert.equal(result.status, 125, result.stderr);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error: '));
    assert.deepEqual(errors, [`Error: HTTPS_PROXY names a socks5:// proxy at 127.0.0.1:${proxy.port}; hoist reaches proxies over plain HTTP only`]);
    assertNoSecret(result);
  });
});
