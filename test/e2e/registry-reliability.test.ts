import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { deadHost, makeSandbox, type Sandbox } from '../engine/support.js';

// Hostile or broken registries as a script meets them: one `Error:` line (and a `Hint:`), exit
// status 125, nothing on stdout, and no hang.
let sandbox: Sandbox;
before(async () => (sandbox = await makeSandbox()));
after(async () => sandbox?.remove());

function hoist(args: string[]): Promise<RunResult> {
  return runHoist(['--root', sandbox.root(), 'pull', '-q', '--alias-cache', sandbox.aliasCache(), ...args], { env: sandbox.cliEnv });
}

function assertFails(result: RunResult, lines: string[]): void {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  assert.deepEqual(result.stderr.trimEnd().split('\n'), lines);
}

describe('hoist pull meets broken registries', () => {
  test('a registry port no URL can hold is named, not "Error: Invalid URL"', async () => {
    assertFails(await hoist(['127.0.0.1:99999/app:1']), [
      'Error: invalid reference "127.0.0.1:99999/app:1": invalid port in domain "127.0.0.1:99999": 99999 is above 65535',
    ]);
  });

  test('so is a mirror location of registries.conf with such a port, before any source is tried (as containers/image)', async () => {
    const primary = await deadHost();
    const conf = await sandbox.conf('bad-mirror.conf', `[[registry]]\nlocation = "${primary}"\n[[registry.mirror]]\nlocation = "127.0.0.1:99999"\n`);
    assertFails(await hoist(['--registries-conf', conf, '--retry', '0', `${primary}/app:1`]), [
      `Error: rewriting reference "${primary}/app:1" to "127.0.0.1:99999/app:1" (prefix "${primary}" in ${conf}): invalid reference "127.0.0.1:99999/app:1": invalid port in domain "127.0.0.1:99999": 99999 is above 65535`,
      'Hint: a location (or mirror location) must give full names: a registry host (with "." or ":", or localhost), then the whole repository path (library/ for Docker Hub\'s own images)',
    ]);
  });

  describe('--all-tags of a registry whose tag list never ends', () => {
    let server: TestServer;
    before(async () => {
      let page = 0;
      server = await startHttpServer((req, res) => {
        if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        page++;
        res.writeHead(200, { 'content-type': 'application/json', link: `</v2/endless/app/tags/list?n=1&last=t${page}>; rel="next"` });
        res.end(JSON.stringify({ name: 'endless/app', tags: [`t${page}`] }));
      });
    });
    after(async () => server.close());

    test('stops at the page bound with an error naming the repository', { timeout: 120_000 }, async () => {
      const host = `127.0.0.1:${server.port}`;
      assertFails(await hoist(['--tls-verify=false', '--all-tags', `${host}/endless/app`]), [
        `Error: the tag list of ${host}/endless/app runs to more than 1000 pages; hoist stops there`,
        'Hint: a registry whose tag list has no end is broken or hostile; pull the tags you need by name',
      ]);
    });
  });

  describe('an HTTPS registry naming a plain-HTTP token service', () => {
    let registry: RegistryHandle;
    before(async () => {
      registry = await startRegistry({ tls: true, auth: 'token' });
      await pushImage(registry, 'realm/app', buildImage({ layers: [{ 'a.txt': 'realm e2e\n' }] }), 'v1');
    });
    after(async () => registry.stop());

    test('is refused with a hint, and the token service hears nothing', async () => {
      const issuer = registry.tokenIssuer!;
      issuer.requests.length = 0;
      const result = await hoist(['--cert-dir', registry.certDir!, '--creds', `${registry.username}:${registry.password}`, `${registry.host}/realm/app:v1`]);
      assertFails(result, [
        `Error: ${registry.host} named a token service over plain HTTP (${new URL(issuer.realm).origin}); hoist sends no credentials and takes no token over an unencrypted connection`,
        `Hint: if the network to ${new URL(issuer.realm).host} is trusted, mark ${registry.host} insecure (registries.conf: insecure = true, or --tls-verify=false); that also turns off TLS verification for it`,
      ]);
      assert.deepEqual(issuer.requests, []);
    });
  });
});
