import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';
import { registryEndpoint } from '../../src/transports/docker.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

const image = buildImage({ layers: [{ 'a.txt': 'auth test layer one\n' }, { 'b.txt': 'auth test layer two\n' }] });
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

describe('anonymous registry', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'open/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('pulls without credentials, and never sends credentials it was given', async () => {
    const proxy = await startFaultProxy(registry);
    try {
      const { image: pulled } = await pull(scratch, `${proxy.host}/open/app:v1`, scratch.options({ insecure: true, creds: { username: 'u', password: 'p' } }));
      assert.equal(pulled.id, image.id);
      assert.ok(proxy.requests.length > 0 && proxy.requests.every((r) => !r.authorization));
    } finally {
      await proxy.stop();
    }
  });
});

describe('htpasswd (Basic) registry', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    await pushImage(registry, 'basic/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('pulls with --creds', async () => {
    const creds = { username: registry.username!, password: registry.password! };
    const { image: pulled } = await pull(scratch, `${registry.host}/basic/app:v1`, scratch.options({ insecure: true, creds }));
    assert.equal(pulled.id, image.id);
  });

  test('pulls with credentials from an auth file', async () => {
    const authFile = join(scratch.dir, 'basic-auth.json');
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
    const { image: pulled } = await pull(scratch, `${registry.host}/basic/app:v1`, scratch.options({ insecure: true, authFile }));
    assert.equal(pulled.id, image.id);
  });

  test('without credentials: unauthorized, with a hint naming --creds and the auth file', async () => {
    await assert.rejects(pull(scratch, `${registry.host}/basic/app:v1`, scratch.options({ insecure: true })), (err: unknown) => {
      assert.ok(isHoistError(err, 'UNAUTHORIZED'), String(err));
      assert.equal(err.message, `unauthorized: authentication required for ${registry.host}`);
      assert.match(err.hint!, /--creds/);
      assert.match(err.hint!, /auth file/);
      return true;
    });
  });

  test('with a wrong password: unauthorized, naming where the credentials came from, never the secret', async () => {
    const creds = { username: registry.username!, password: 'wrong-password-123' };
    await assert.rejects(pull(scratch, `${registry.host}/basic/app:v1`, scratch.options({ insecure: true, creds })), (err: unknown) => {
      assert.ok(isHoistError(err, 'UNAUTHORIZED'), String(err));
      assert.match(err.hint!, /--creds/);
      assert.doesNotMatch(`${err.message} ${err.hint}`, /wrong-password-123/);
      return true;
    });
  });

  test('a blob redirected to another origin is fetched without Authorization', async () => {
    const proxy = await startFaultProxy(registry);
    try {
      proxy.inject({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirect' } });
      const creds = { username: registry.username!, password: registry.password! };
      const { image: pulled } = await pull(scratch, `${proxy.host}/basic/app:v1`, scratch.options({ insecure: true, creds }));
      assert.equal(pulled.id, image.id);
      const atRegistry = proxy.matching('GET', /\/blobs\//).filter((r) => r.origin === 'proxy');
      const atStorage = proxy.requests.filter((r) => r.origin === 'storage');
      assert.equal(atStorage.length, 3, 'config and two layers came from the storage origin');
      assert.ok(atRegistry.every((r) => r.authorization && r.status === 307));
      assert.ok(
        atStorage.every((r) => !r.authorization && r.status === 200),
        'Authorization must not reach another origin',
      );
    } finally {
      await proxy.stop();
    }
  });
});

describe('token (Bearer) registry', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    await pushImage(registry, 'tok/app', image, 'v1');
  });
  after(async () => registry.stop());
  const issuer = () => registry.tokenIssuer!;

  test('fetches one token with Basic credentials, scoped to pull, and reuses it for every request', async () => {
    issuer().requests.length = 0;
    const creds = { username: registry.username!, password: registry.password! };
    const { image: pulled } = await pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true, creds }));
    assert.equal(pulled.id, image.id);
    assert.deepEqual(issuer().requests, [{ method: 'GET', scopes: ['repository:tok/app:pull'], via: 'basic' }]);
  });

  test('uses an identity token from the auth file with the OAuth2 refresh-token form', async () => {
    issuer().requests.length = 0;
    const authFile = join(scratch.dir, 'token-auth.json');
    await writeFile(
      authFile,
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('<token>:').toString('base64'), identitytoken: issuer().identityToken } } }),
    );
    const { image: pulled } = await pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true, authFile }));
    assert.equal(pulled.id, image.id);
    assert.deepEqual(issuer().requests, [{ method: 'POST', scopes: ['repository:tok/app:pull'], via: 'refresh_token' }]);
  });

  test('caches the token per scope and fetches a new one once it expires', async () => {
    issuer().requests.length = 0;
    issuer().expiresIn = 2;
    const creds = { username: registry.username!, password: registry.password! };
    const source = await registryEndpoint(parseReference(`${registry.host}/tok/app:v1`), scratch.options({ insecure: true, creds })).open();
    try {
      await source.getManifest();
      await source.getManifest();
      assert.equal(issuer().requests.length, 1, 'the cached token serves the second request');
      await sleep(2000);
      await source.getManifest();
      assert.equal(issuer().requests.length, 2, 'an expired token is replaced, never sent');
    } finally {
      issuer().expiresIn = 300;
      await source.close();
    }
  });

  test('asks for a new token once when the registry answers insufficient_scope', async () => {
    issuer().requests.length = 0;
    issuer().grantNothing = 1;
    const creds = { username: registry.username!, password: registry.password! };
    const { image: pulled } = await pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true, creds }));
    assert.equal(pulled.id, image.id);
    assert.equal(issuer().requests.length, 2);
  });

  test('anonymous: the anonymous token grants nothing, so unauthorized', async () => {
    issuer().requests.length = 0;
    await assert.rejects(pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true })), (err: unknown) => {
      assert.ok(isHoistError(err, 'UNAUTHORIZED'), String(err));
      assert.match(err.message, new RegExp(`authentication required for ${registry.host}`));
      return true;
    });
    assert.ok(issuer().requests.every((r) => r.via === 'anonymous'));
  });

  test('bad credentials are refused by the token service: unauthorized, secret not shown', async () => {
    const creds = { username: registry.username!, password: 'not-the-password-42' };
    await assert.rejects(pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true, creds })), (err: unknown) => {
      assert.ok(isHoistError(err, 'UNAUTHORIZED'), String(err));
      assert.doesNotMatch(`${err.message} ${err.hint}`, /not-the-password-42/);
      return true;
    });
  });

  test('credentials from a credential helper named in credHelpers', async () => {
    issuer().requests.length = 0;
    const bin = join(scratch.dir, 'bin');
    await mkdir(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-hoisttest');
    await writeFile(helper, `#!/bin/sh\nread server\necho '{"ServerURL":"'"$server"'","Username":"${registry.username}","Secret":"${registry.password}"}'\n`, {
      mode: 0o755,
    });
    const authFile = join(scratch.dir, 'helper-auth.json');
    await writeFile(authFile, JSON.stringify({ credHelpers: { [registry.host]: 'hoisttest' } }));
    const env = { ...scratch.env, PATH: `${bin}:${scratch.env.PATH}` };
    const { image: pulled } = await pull(scratch, `${registry.host}/tok/app:v1`, scratch.options({ insecure: true, authFile, env }));
    assert.equal(pulled.id, image.id);
    assert.equal(issuer().requests[0]?.via, 'basic');
  });
});
