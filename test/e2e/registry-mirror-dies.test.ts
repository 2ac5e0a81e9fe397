import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { makeSandbox, type Sandbox } from '../engine/support.js';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';

// A fleet's pull-through cache (a real `docker-registry` with proxy.remoteurl) dies in the middle
// of a pull, as `hoist pull` shows it to a user: the pull goes on at the origin, says so once, and
// asks the origin only for what the cache did not deliver.
// Docker format: distribution 2.8 as a cache asks its upstream for Docker media types only.
const noise = (n: number) => randomBytes(n).toString('base64');
const image = buildImage({ format: 'docker', layers: [{ 'srv/one': noise(96 * 1024) }, { 'srv/two': noise(96 * 1024) }, { 'srv/three': noise(96 * 1024) }] });
const last = image.layers.at(-1)!;
const delivered = [image.config, ...image.layers.slice(0, -1)];
/** What the cache passes on of the last layer before it dies. */
const PART = 64 * 1024;

let sandbox: Sandbox;
let origin: RegistryHandle;
/** The origin as hoist reaches it (registries.conf's primary location). */
let originForHoist: FaultProxy;
/** The origin as the cache reaches it (its proxy.remoteurl). */
let originForCache: FaultProxy;
let cache: RegistryHandle;
let cacheStopped: Promise<void> | undefined;
/** Stops the cache once (the first test kills it mid-pull; the second needs it down). */
const stopCache = () => (cacheStopped ??= cache.stop());

before(async () => {
  sandbox = await makeSandbox();
  origin = await startRegistry();
  await pushImage(origin, 'fleet/app', image, 'v1');
  [originForHoist, originForCache] = await Promise.all([startFaultProxy(origin), startFaultProxy(origin)]);
  cache = await startRegistry({ proxyRemoteUrl: originForCache.url });
});
after(async () => {
  await Promise.all([originForHoist?.stop(), originForCache?.stop()]);
  await Promise.all([cache && stopCache(), origin?.stop()]);
  await sandbox?.remove();
});

/** The digests of the blob GETs a proxy saw, one per request, sorted. */
const blobGets = (proxy: FaultProxy) =>
  proxy
    .matching('GET', /^\/v2\/fleet\/app\/blobs\//)
    .map((r) => r.path.split('/').at(-1)!)
    .sort();

/** Resolves once the cache has fetched every other blob whole and has begun passing on the last one. */
async function cacheStuckOnLastLayer(): Promise<void> {
  const whole = (digest: string, size: number) => originForCache.matching('GET', new RegExp(`/blobs/${digest}$`)).some((r) => r.bytes === size);
  for (;;) {
    const stuck = originForCache.matching('GET', new RegExp(`/blobs/${last.digest}$`)).some((r) => r.bytes >= PART);
    if (stuck && delivered.every((b) => whole(b.digest, b.data.length))) return;
    await sleep(20);
  }
}

function fleetConf(name: string): Promise<string> {
  return sandbox.conf(
    name,
    `[[registry]]\nlocation = "${originForHoist.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${cache.host}"\ninsecure = true\n`,
  );
}

/** `hoist pull` of the image through the cache, with the default retries (3) and parallelism. */
const pullThroughCache = (conf: string) =>
  runHoist(['--root', sandbox.root(), 'pull', '--registries-conf', conf, `${originForHoist.host}/fleet/app:v1`], { env: sandbox.cliEnv });

/** The pull succeeded, and its stderr has no error and exactly one warning: the cache, what failed there, `then` the origin. */
function assertOneWarningNamingTheCache(result: RunResult, then: string): void {
  assert.equal(result.status, 0, result.stderr);
  assert.ok(result.stdout.includes(image.id), result.stdout);
  const lines = result.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.filter((line) => /^(Warning|Error)/.test(line)).map((line) => line.split(':')[0]),
    ['Warning'],
    result.stderr,
  );
  const warning = lines.find((line) => line.startsWith('Warning'))!;
  assert.ok(warning.startsWith(`Warning: mirror ${cache.host}/fleet/app:v1: `), warning);
  assert.ok(warning.endsWith(`; ${then} primary ${originForHoist.host}/fleet/app:v1`), warning);
}

test('a pull-through cache killed mid-pull: one warning naming it, and the origin serves only what the cache did not deliver', {
  timeout: 60_000,
}, async () => {
  const conf = await fleetConf('fleet.conf');
  // The origin hands the cache the first PART bytes of the last layer, then nothing more.
  originForCache.inject({ method: 'GET', path: new RegExp(`/blobs/${last.digest}$`), fault: { kind: 'stall', afterBytes: PART } });
  const pulling = pullThroughCache(conf);
  await cacheStuckOnLastLayer();
  // What the cache sent has reached hoist (loopback) before the cache goes.
  await sleep(300);
  await stopCache();
  const result = await pulling;
  assertOneWarningNamingTheCache(result, 'reading the rest of the image from');
  assert.deepEqual(blobGets(originForHoist), [last.digest], 'the origin was asked for the last layer only');
  assert.deepEqual(originForHoist.matching('GET', /\/manifests\//), [], "the manifest was the cache's");
});

test('a pull-through cache that is down: one warning naming it, everything from the origin, no retry pauses', async () => {
  await stopCache();
  originForHoist.requests.length = 0;
  const started = Date.now();
  const result = await pullThroughCache(await fleetConf('down.conf'));
  assertOneWarningNamingTheCache(result, 'trying');
  assert.deepEqual(blobGets(originForHoist), [image.config.digest, ...image.layers.map((l) => l.digest)].sort());
  // Three retries of a refused connection would pause 0.5–1 s, 1–2 s and 2–4 s first.
  assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
});
