import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

// The retry budget and progress: a download that moves forward on every try keeps its budget;
// one that does not still fails after --retry tries.
const MiB = 1024 * 1024;
/** Random bytes do not compress: the gzip layer stays ~8 MiB. */
const image = buildImage({ layers: [{ 'big.bin': randomBytes(8 * MiB) }] });
const big = image.layers[0]!;
const bigPath = new RegExp(`/blobs/${big.digest}$`);
/** Two retries: three tries in all, unless tries make progress. */
const RETRIES = 2;

let scratch: Scratch;
let registry: RegistryHandle;
let proxy: FaultProxy;
before(async () => {
  scratch = await makeScratch();
  registry = await startRegistry();
  await pushImage(registry, 'progress/app', image, 'v1');
});
after(async () => {
  await registry.stop();
  await scratch.remove();
});
beforeEach(async () => (proxy = await startFaultProxy(registry)));
afterEach(async () => proxy.stop());

const name = () => `${proxy.host}/progress/app:v1`;
const options = () => scratch.options({ insecure: true, retry: RETRIES, retryDelayMs: 10 });
const resumedAt = (range: string | undefined) => (range === undefined ? 0 : Number(/^bytes=(\d+)-$/.exec(range)?.[1]));

test('a layer reset every 1.5 MiB, more times than --retry allows, resumes each time and is pulled', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'reset', afterBytes: 1.5 * MiB } });
  const { image: pulled } = await pull(scratch, name(), options());
  assert.equal(pulled.id, image.id);
  const gets = proxy.matching('GET', bigPath);
  const expectedTries = Math.ceil(big.size / (1.5 * MiB));
  assert.ok(expectedTries > RETRIES + 1, `the layer must need more tries (${expectedTries}) than the budget without progress`);
  assert.equal(gets.length, expectedTries);
  assert.deepEqual(
    gets.map((g) => resumedAt(g.range)),
    gets.map((_, i) => i * 1.5 * MiB),
    'each try resumes exactly where the last one stopped',
  );
  assert.equal(
    gets.reduce((n, g) => n + g.bytes, 0),
    big.size,
    'every byte was sent once',
  );
});

test('a layer reset before any body byte still fails after --retry tries', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'reset', afterBytes: 0 } });
  await assert.rejects(pull(scratch, name(), options()), (err: unknown) => isHoistError(err, 'CONNECTION_FAILED'));
  assert.equal(proxy.matching('GET', bigPath).length, RETRIES + 1);
});

test('tries that bring less than 1 MiB each do not renew the budget: a dribbling server gets --retry tries', async () => {
  proxy.inject({ method: 'GET', path: bigPath, fault: { kind: 'reset', afterBytes: 64 * 1024 } });
  await assert.rejects(pull(scratch, name(), options()), (err: unknown) => isHoistError(err, 'CONNECTION_FAILED'));
  const gets = proxy.matching('GET', bigPath);
  assert.deepEqual(
    gets.map((g) => resumedAt(g.range)),
    [0, 64 * 1024, 128 * 1024],
  );
});
