import assert from 'node:assert/strict';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { runHoist } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { testPki } from '../helpers/registry-pki.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

const image = buildImage({ layers: [{ 'tls.txt': 'over TLS\n' }] });
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

describe('TLS registry with a test CA', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ tls: true });
    await pushImage(registry, 'sec/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('an unknown CA is refused: TLS error naming the host, with a hint about --cert-dir and --tls-verify', async () => {
    await assert.rejects(pull(scratch, `${registry.host}/sec/app:v1`, scratch.options()), (err: unknown) => {
      assert.ok(isHoistError(err, 'TLS_ERROR'), String(err));
      assert.match(err.message, new RegExp(`TLS error talking to ${registry.host}`));
      assert.match(err.hint!, /--cert-dir/);
      assert.match(err.hint!, /--tls-verify=false/);
      return true;
    });
  });

  test('--cert-dir with the CA as a .crt: verified and pulled', async () => {
    const { image: pulled } = await pull(scratch, `${registry.host}/sec/app:v1`, scratch.options({ certDir: registry.certDir! }));
    assert.equal(pulled.id, image.id);
  });

  test('certs.d/HOST:PORT found in the first base that has it', async () => {
    const first = join(scratch.dir, 'certs-a');
    const second = join(scratch.dir, 'certs-b');
    await mkdir(join(second, registry.host), { recursive: true });
    await copyFile(registry.caFile!, join(second, registry.host, 'ca.crt'));
    const { image: pulled } = await pull(scratch, `${registry.host}/sec/app:v1`, scratch.options({ certsBases: [first, second] }));
    assert.equal(pulled.id, image.id);
  });

  test("a certs.d CA is trusted beside Node's roots (NODE_EXTRA_CA_CERTS too), not instead of them", async () => {
    // The test CA stands in for a system root (Node adds NODE_EXTRA_CA_CERTS to its root store);
    // certs.d holds an unrelated certificate. The registry's chain ends at the "root", so the pull
    // works only if the certs.d certificate was added to the roots rather than replacing them.
    const certs = join(scratch.dir, 'certs-unrelated');
    await mkdir(certs, { recursive: true });
    await copyFile(testPki().tokenCert, join(certs, 'unrelated.crt'));
    const root = join(scratch.dir, 'store-roots');
    const result = await runHoist(['--root', root, 'pull', '-q', '--cert-dir', certs, `${registry.host}/sec/app:v1`], {
      env: { NODE_EXTRA_CA_CERTS: registry.caFile! },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), image.id);
  });

  test('insecure skips verification', async () => {
    const { image: pulled } = await pull(scratch, `${registry.host}/sec/app:v1`, scratch.options({ insecure: true }));
    assert.equal(pulled.id, image.id);
  });
});

describe('TLS registry requiring a client certificate', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ tls: true, clientCert: true });
    await pushImage(registry, 'mtls/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('client.cert + client.key from certs.d are presented', async () => {
    const { image: pulled } = await pull(scratch, `${registry.host}/mtls/app:v1`, scratch.options({ certDir: registry.certDir! }));
    assert.equal(pulled.id, image.id);
  });

  test('without a client certificate the handshake fails', async () => {
    const caOnly = join(scratch.dir, 'ca-only');
    await mkdir(caOnly, { recursive: true });
    await copyFile(registry.caFile!, join(caOnly, 'ca.crt'));
    await assert.rejects(pull(scratch, `${registry.host}/mtls/app:v1`, scratch.options({ certDir: caOnly, retry: 0 })), (err: unknown) => {
      assert.ok(isHoistError(err, 'TLS_ERROR') || isHoistError(err, 'CONNECTION_FAILED'), String(err));
      assert.match(err.message, new RegExp(registry.host));
      return true;
    });
  });

  test('a client certificate without its key is an error naming the file', async () => {
    const half = join(scratch.dir, 'half');
    await mkdir(half, { recursive: true });
    await copyFile(join(registry.certDir!, 'client.cert'), join(half, 'client.cert'));
    await assert.rejects(pull(scratch, `${registry.host}/mtls/app:v1`, scratch.options({ certDir: half })), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_CONFIG'), String(err));
      assert.match(err.message, new RegExp(`missing key ${join(half, 'client.key')}`));
      return true;
    });
    await rm(join(half, 'client.cert'));
    await copyFile(join(registry.certDir!, 'client.key'), join(half, 'client.key'));
    await assert.rejects(pull(scratch, `${registry.host}/mtls/app:v1`, scratch.options({ certDir: half })), /missing client certificate .*client\.cert/);
  });
});

describe('plain HTTP registry', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'plain/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('is never reached over HTTP unless insecure', async () => {
    await assert.rejects(pull(scratch, `${registry.host}/plain/app:v1`, scratch.options()), (err: unknown) => {
      assert.ok(isHoistError(err, 'TLS_ERROR'), String(err));
      return true;
    });
  });

  test('insecure allows plain HTTP', async () => {
    const { image: pulled } = await pull(scratch, `${registry.host}/plain/app:v1`, scratch.options({ insecure: true }));
    assert.equal(pulled.id, image.id);
  });
});
