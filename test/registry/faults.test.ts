import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { copyImage } from '../../src/copy/index.js';
import { isHoistError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';
import { Store } from '../../src/store/index.js';
import { registryEndpoint } from '../../src/transports/docker.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

/** Random bytes do not compress, so the gzip layer stays ~3 MiB: big enough to cut in the middle. */
const image = buildImage({ layers: [{ 'big.bin': randomBytes(3 * 1024 * 1024) }, { 'small.txt': 'small\n' }] });
const big = image.layers[0]!;
const bigPath = new RegExp(`/blobs/${big.digest}$`);
const MiB = 1024 * 1024;

let scratch: Scratch;
let registry: RegistryHandle;
let proxy: FaultProxy;
before(async () => {
  scratch = await makeScratch();
  registry = await startRegistry();
  await pushImage(registry, 'faults/app', image, 'v1');
});
after(async () => {
  await registry.stop();
  await scratch.remove();
});
beforeEach(async () => (proxy = await startFaultProxy(registry)));
afterEach(async () => proxy.stop());

const name = () => `${proxy.host}/faults/app:v1`;
const options = (retry = 3) => scratch.options({ insecure: true, retry, retryDelayMs: 10 });
const sent = (requests: { bytes: number }[]) => requests.reduce((n, r) => n + r.bytes, 0);

test('a connection reset mid-blob resumes with Range: bytes=N- and fetches the blob about once', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'reset', afterBytes: MiB }, times: 1 });
  const { image: pulled } = await pull(scratch, name(), options());
  assert.equal(pulled.id, image.id);
  const gets = proxy.matching('GET', bigPath);
  assert.equal(gets.length, 2);
  assert.equal(gets[0]!.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= MiB, `resumed at ${gets[1]!.range}`);
  assert.equal(gets[1]!.status, 206);
  assert.ok(sent(gets) <= big.size + MiB, `sent ${sent(gets)} bytes for a ${big.size}-byte blob`);
});

test('a truncated body (short Content-Length) resumes exactly where it stopped', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'truncate', afterBytes: 1000 }, times: 1 });
  const { image: pulled } = await pull(scratch, name(), options());
  assert.equal(pulled.id, image.id);
  const gets = proxy.matching('GET', bigPath);
  assert.deepEqual(
    gets.map((g) => g.range),
    [undefined, 'bytes=1000-'],
  );
  assert.equal(sent(gets), big.size);
});

test('a server that ignores Range: the download starts over and the stream stays exact', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'truncate', afterBytes: 5000 }, times: 1 });
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'ignore-range' }, times: 1 });
  const { image: pulled } = await pull(scratch, name(), options());
  assert.equal(pulled.id, image.id);
  const gets = proxy.matching('GET', bigPath);
  assert.deepEqual(
    gets.map((g) => [g.range, g.status]),
    [
      [undefined, 200],
      ['bytes=5000-', 200],
    ],
  );
});

test('503 with Retry-After is retried after the time the server asked for', async () => {
  proxy.inject({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'status', status: 503, retryAfter: '1' }, times: 1 });
  const started = Date.now();
  const { image: pulled } = await pull(scratch, name(), options());
  assert.equal(pulled.id, image.id);
  assert.ok(Date.now() - started >= 900, 'Retry-After: 1 outweighs the 10 ms retry delay');
  assert.deepEqual(
    proxy.matching('GET', /\/manifests\/v1$/).map((r) => r.status),
    [503, 200],
  );
});

test('a blob that keeps failing fails after --retry tries with the last error', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'status', status: 500 } });
  await assert.rejects(pull(scratch, name(), options(2)), (err: unknown) => isHoistError(err, 'REGISTRY_ERROR') && /answered 500/.test(err.message));
  assert.equal(proxy.matching('GET', bigPath).length, 3);
});

test('wrong bytes are rejected by digest and never stored', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'corrupt' } });
  const store = await Store.open(join(scratch.dir, 'corrupt-store'));
  const source = await registryEndpoint(parseReference(name()), options()).open();
  await assert.rejects(copyImage(source, store, { platform: { os: 'linux', architecture: 'amd64' }, names: [] }), (err: unknown) => {
    assert.ok(isHoistError(err, 'DIGEST_MISMATCH'), String(err));
    assert.match(err.message, new RegExp(`expected ${big.digest}`));
    return true;
  });
  assert.equal(await store.hasBlob(big.digest), false);
  assert.equal(proxy.matching('GET', bigPath).length, 2, 'the copier fetches a blob that failed its digest once more; the source itself does not retry it');
});

test('404 and 401 are never retried', async () => {
  proxy.inject({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'status', status: 404 }, times: 1 });
  await assert.rejects(pull(scratch, name(), options()), (err: unknown) => isHoistError(err, 'MANIFEST_UNKNOWN'));
  assert.equal(proxy.matching('GET', /\/manifests\/v1$/).length, 1);
  proxy.inject({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'status', status: 401 }, times: 1 });
  await assert.rejects(pull(scratch, name(), options()), (err: unknown) => isHoistError(err, 'UNAUTHORIZED'));
  assert.equal(proxy.matching('GET', /\/manifests\/v1$/).length, 2);
});

test('401 and 403 are told apart: a 403 is a refusal of access, not a request for credentials, and is not retried', async () => {
  const manifests = /\/manifests\/v1$/;
  const before = proxy.matching('GET', manifests).length;
  proxy.inject({ method: 'GET', path: manifests, fault: { kind: 'status', status: 401 }, times: 1 });
  const unauthorized = await pull(scratch, name(), options()).then(
    () => undefined,
    (err: unknown) => err,
  );
  proxy.inject({ method: 'GET', path: manifests, fault: { kind: 'status', status: 403 }, times: 1 });
  const denied = await pull(scratch, name(), options()).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(isHoistError(unauthorized, 'UNAUTHORIZED'), String(unauthorized));
  assert.ok(isHoistError(denied, 'DENIED'), String(denied));
  assert.match(unauthorized.message, /^unauthorized: authentication required for /);
  assert.equal(denied.message, `denied: ${proxy.host} refused access to ${proxy.host}/faults/app:v1 (403 Forbidden): registry said "injected fault"`);
  assert.match(denied.hint ?? '', /^the registry does not let anonymous clients read /);
  assert.notEqual(denied.hint, unauthorized.hint);
  assert.equal(proxy.matching('GET', manifests).length - before, 2, 'neither was retried');
});

test('a registry error carries its facts as fields: registry, image, status, the codes the registry sent, the URL', async () => {
  proxy.inject({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'status', status: 403 }, times: 1 });
  const denied = await pull(scratch, name(), options()).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(isHoistError(denied, 'DENIED'), String(denied));
  assert.deepEqual(denied.details, {
    registry: proxy.host,
    reference: `${proxy.host}/faults/app:v1`,
    status: 403,
    registryCodes: ['UNAVAILABLE'],
    url: `http://${proxy.host}/v2/faults/app/manifests/v1`,
  });
});

test('a wrong digest carries the expected and the actual digest as fields', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'corrupt' } });
  const store = await Store.open(join(scratch.dir, 'details-store'));
  const source = await registryEndpoint(parseReference(name()), options()).open();
  const err = await copyImage(source, store, { platform: { os: 'linux', architecture: 'amd64' }, names: [] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isHoistError(err, 'DIGEST_MISMATCH'), String(err));
  assert.equal(err.details.expected, big.digest);
  assert.match(String(err.details.actual), /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(err.details.actual, big.digest);
});
