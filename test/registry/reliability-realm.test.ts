import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

// Where a registry's Bearer challenge sends credentials: a registry reached over HTTPS may name a
// token service on another host, but never one over plain HTTP, unless the user made it insecure.
const image = buildImage({ layers: [{ 'realm.txt': 'token realm test\n' }] });
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

describe('HTTPS registry whose token service (realm) is plain HTTP', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ tls: true, auth: 'token' });
    assert.match(registry.tokenIssuer!.realm, /^http:\/\//);
    await pushImage(registry, 'realm/app', image, 'v1');
  });
  after(async () => registry.stop());
  const issuer = () => registry.tokenIssuer!;
  const creds = () => ({ username: registry.username!, password: registry.password! });

  test('is refused before any request reaches the token service: credentials are never sent', async () => {
    issuer().requests.length = 0;
    await assert.rejects(pull(scratch, `${registry.host}/realm/app:v1`, scratch.options({ certDir: registry.certDir!, creds: creds() })), (err: unknown) => {
      assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
      assert.equal(
        err.message,
        `${registry.host} named a token service over plain HTTP (${new URL(issuer().realm).origin}); hoist sends no credentials and takes no token over an unencrypted connection`,
      );
      assert.match(err.hint!, /insecure = true/);
      assert.match(err.hint!, /--tls-verify=false/);
      assert.doesNotMatch(`${err.message} ${err.hint}`, new RegExp(registry.password!));
      return true;
    });
    assert.deepEqual(issuer().requests, [], 'the token service saw no request at all');
  });

  test('anonymous pulls are refused the same way: no token is taken over plain HTTP', async () => {
    issuer().requests.length = 0;
    await assert.rejects(pull(scratch, `${registry.host}/realm/app:v1`, scratch.options({ certDir: registry.certDir! })), (err: unknown) => {
      assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
      assert.match(err.message, /over plain HTTP/);
      return true;
    });
    assert.deepEqual(issuer().requests, []);
  });

  test('a registry marked insecure may use it: the user asked for that', async () => {
    issuer().requests.length = 0;
    const { image: pulled } = await pull(scratch, `${registry.host}/realm/app:v1`, scratch.options({ insecure: true, creds: creds() }));
    assert.equal(pulled.id, image.id);
    assert.deepEqual(issuer().requests, [{ method: 'GET', scopes: ['repository:realm/app:pull'], via: 'basic' }]);
  });
});

describe('HTTPS registry whose token service is HTTPS on another host (as Docker Hub and auth.docker.io)', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ tls: true, auth: 'token', tokenIssuerTls: true });
    await pushImage(registry, 'realm/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('gets its token there, with the credentials, and pulls', async () => {
    const issuer = registry.tokenIssuer!;
    assert.notEqual(new URL(issuer.realm).host, registry.host);
    issuer.requests.length = 0;
    const creds = { username: registry.username!, password: registry.password! };
    const { image: pulled } = await pull(scratch, `${registry.host}/realm/app:v1`, scratch.options({ certDir: registry.certDir!, creds }));
    assert.equal(pulled.id, image.id);
    assert.deepEqual(issuer.requests, [{ method: 'GET', scopes: ['repository:realm/app:pull'], via: 'basic' }]);
  });
});
