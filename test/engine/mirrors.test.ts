import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pull } from '../../src/engine/index.js';
import { isHoistError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';
import { accessFor } from '../../src/transports/registry-access.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { capture, deadHost, makeSandbox, pullOptions, type Sandbox } from './support.js';

// Mirrors from registries.conf, end to end. The mirror is a real `docker-registry` in pull-through
// proxy mode in front of the primary; a counting proxy in front of each shows who was asked.
// Docker format: distribution 2.8 as a cache asks its upstream for Docker media types only.
const app = buildImage({ format: 'docker', layers: [{ 'srv/app': 'through the mirror\n' }, { 'srv/more': 'second layer\n' }] });
const secret = buildImage({ format: 'docker', layers: [{ 'srv/secret': 'behind htpasswd\n' }] });
// Three layers large enough to be on their way while another blob fails.
const noise = (n: number) => randomBytes(n).toString('base64');
const layered = buildImage({ format: 'docker', layers: [{ 'srv/one': noise(96 * 1024) }, { 'srv/two': noise(96 * 1024) }, { 'srv/three': noise(96 * 1024) }] });

let sandbox: Sandbox;
let primary: RegistryHandle;
let cache: RegistryHandle;
let primaryProxy: FaultProxy;
let mirrorProxy: FaultProxy;
let dead: string;

before(async () => {
  sandbox = await makeSandbox();
  primary = await startRegistry();
  await pushImage(primary, 'team/app', app, 'v1');
  await pushImage(primary, 'team/layers', layered, 'v1');
  await pushImage(primary, 'team/layers', layered, 'v2');
  await pushImage(primary, 'team/dying', layered, 'v1');
  cache = await startRegistry({ proxyRemoteUrl: primary.url });
  [primaryProxy, mirrorProxy] = await Promise.all([startFaultProxy(primary), startFaultProxy(cache)]);
  dead = await deadHost();
});
after(async () => {
  await Promise.all([primaryProxy?.stop(), mirrorProxy?.stop()]);
  await Promise.all([cache?.stop(), primary?.stop()]);
  await sandbox?.remove();
});

function mirrored(mirrors: string[], extra = ''): string {
  const tables = mirrors.map((m) => `[[registry.mirror]]\nlocation = "${m}"\ninsecure = true\n`).join('\n');
  return `[[registry]]\nlocation = "${primaryProxy.host}"\ninsecure = true\n${extra}\n${tables}`;
}

const reset = () => {
  primaryProxy.requests.length = 0;
  mirrorProxy.requests.length = 0;
};
const contentRequests = (proxy: FaultProxy) => proxy.requests.filter((r) => /\/(manifests|blobs)\//.test(r.path));
/** The digests of the blob GETs a proxy saw for `repository`, one entry per request, sorted. */
const blobGets = (proxy: FaultProxy, repository: string) =>
  proxy
    .matching('GET', new RegExp(`^/v2/${repository}/blobs/`))
    .map((r) => r.path.split('/').at(-1)!)
    .sort();
const digests = (list: readonly { digest: string }[]) => list.map((b) => b.digest).sort();

describe('mirrors', () => {
  test('a pull-through cache mirror serves the pull; the primary is not asked', async () => {
    const conf = await sandbox.conf('mirror.conf', mirrored([mirrorProxy.host]));
    reset();
    const store = await sandbox.store();
    const [image] = await pull(`${primaryProxy.host}/team/app:v1`, { ...pullOptions(sandbox, conf), store });
    assert.equal(image!.id, app.id);
    assert.deepEqual(image!.names, [`${primaryProxy.host}/team/app:v1`]);
    assert.equal(mirrorProxy.matching('GET', /^\/v2\/team\/app\/manifests\/v1$/).filter((r) => r.status === 200).length, 1);
    const blobGets = mirrorProxy
      .matching('GET', /^\/v2\/team\/app\/blobs\//)
      .map((r) => r.path.split('/').at(-1))
      .sort();
    assert.deepEqual(blobGets, [app.config.digest, ...app.layers.map((l) => l.digest)].sort());
    assert.deepEqual(primaryProxy.requests, []);
    assert.match(cache.logs(), /team\/app/); // the cache fetched from its upstream
  });

  test('a dead mirror falls back to the primary', async () => {
    const conf = await sandbox.conf('dead-mirror.conf', mirrored([dead]));
    reset();
    const [image] = await pull(`${primaryProxy.host}/team/app:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    assert.equal(image!.id, app.id);
    assert.equal(primaryProxy.matching('GET', /^\/v2\/team\/app\/manifests\/v1$/).length, 1);
    assert.equal(primaryProxy.matching('GET', /^\/v2\/team\/app\/blobs\//).length, 1 + app.layers.length);
  });

  test('mirrors are tried in order: a dead one, then the cache', async () => {
    const conf = await sandbox.conf('two-mirrors.conf', mirrored([dead, mirrorProxy.host]));
    reset();
    const [image] = await pull(`${primaryProxy.host}/team/app:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    assert.equal(image!.id, app.id);
    assert.equal(contentRequests(mirrorProxy).length > 0, true);
    assert.deepEqual(primaryProxy.requests, []);
  });

  test('when every source fails, the error lists each mirror and the primary', async () => {
    const conf = await sandbox.conf('all-fail.conf', mirrored([dead]));
    const events = capture();
    await assert.rejects(
      pull(`${primaryProxy.host}/team/nope:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store(), onEvent: events.onEvent }),
      (err: unknown) => {
        assert.ok(isHoistError(err, 'PULL_FAILED'), String(err));
        const lines = err.message.split('\n');
        assert.equal(lines[0], `pulling ${primaryProxy.host}/team/nope:v1 failed from every source:`);
        assert.equal(lines.length, 3, err.message);
        assert.ok(lines[1]!.startsWith(` * mirror ${dead}/team/nope:v1: `), lines[1]);
        assert.match(lines[1]!, /connection refused/);
        assert.ok(lines[2]!.startsWith(` * primary ${primaryProxy.host}/team/nope:v1: `), lines[2]);
        assert.match(lines[2]!, /manifest unknown|name unknown/i);
        return true;
      },
    );
  });

  test('pull-from-mirror = "digest-only": a tag goes to the primary, a digest to the mirror', async () => {
    const conf = await sandbox.conf(
      'digest-only.conf',
      `[[registry]]\nlocation = "${primaryProxy.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${mirrorProxy.host}"\ninsecure = true\npull-from-mirror = "digest-only"\n`,
    );
    reset();
    await pull(`${primaryProxy.host}/team/app:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    assert.deepEqual(mirrorProxy.requests, []);
    assert.ok(contentRequests(primaryProxy).length > 0);
    reset();
    const [byDigest] = await pull(`${primaryProxy.host}/team/app@${app.manifest.digest}`, { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    assert.equal(byDigest!.id, app.id);
    assert.deepEqual(primaryProxy.requests, []);
    assert.equal(mirrorProxy.matching('GET', new RegExp(`/manifests/${app.manifest.digest}$`)).length, 1);
  });
});

// Endpoint fallback inside the registry transport (issue 12, item 3): a mirror that fails part-way
// through a pull hands the rest to the next endpoint, and what it delivered is not fetched again.
describe('endpoint fallback inside the registry transport', () => {
  const blobs = [layered.config, ...layered.layers];
  const last = layered.layers.at(-1)!;
  const layersName = (tag: string) => `${primaryProxy.host}/team/layers:${tag}`;

  test('a mirror that fails on its last blob: what it delivered is not fetched again, only the failing blob comes from the primary', async () => {
    const conf = await sandbox.conf('last-blob.conf', mirrored([mirrorProxy.host]));
    // Warm the cache first, so the mirror serves from its own storage as a long-running one does.
    await pull(layersName('v1'), { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    // The other blobs are still on their way when the last one fails, as on a real link.
    const others = blobs.filter((b) => b !== last);
    mirrorProxy.inject({
      method: 'GET',
      path: new RegExp(`^/v2/team/layers/blobs/(${others.map((b) => b.digest).join('|')})$`),
      fault: { kind: 'delay', ms: 300 },
      times: others.length,
    });
    mirrorProxy.inject({ method: 'GET', path: new RegExp(`^/v2/team/layers/blobs/${last.digest}$`), fault: { kind: 'reset', afterBytes: 0 }, times: 1 });
    reset();
    const [pulled] = await pull(layersName('v1'), { ...pullOptions(sandbox, conf), store: await sandbox.store() });
    assert.equal(pulled!.id, layered.id);
    assert.deepEqual(blobGets(mirrorProxy, 'team/layers'), digests(blobs), 'the mirror was asked for each blob once');
    assert.deepEqual(blobGets(primaryProxy, 'team/layers'), [last.digest], 'the primary was asked for the failing blob only');
  });

  test('a mirror serving the manifest, then dying mid-blob: the rest comes from the primary, from the byte reached, with a warning naming both', async () => {
    const conf = await sandbox.conf('dying.conf', mirrored([mirrorProxy.host]));
    const first = layered.layers[0]!;
    // One download at a time: the config, then the first layer, cut after 64 KiB; then the mirror is gone.
    mirrorProxy.inject({ method: 'GET', path: new RegExp(`^/v2/team/dying/blobs/${first.digest}$`), fault: { kind: 'reset', afterBytes: 65536 }, times: 1 });
    mirrorProxy.inject({
      method: 'GET',
      path: new RegExp(`^/v2/team/dying/blobs/(${layered.layers.map((l) => l.digest).join('|')})$`),
      fault: { kind: 'status', status: 503 },
    });
    reset();
    const events = capture();
    const [pulled] = await pull(`${primaryProxy.host}/team/dying:v1`, {
      ...pullOptions(sandbox, conf),
      store: await sandbox.store(),
      maxParallel: 1,
      onEvent: events.onEvent,
    });
    assert.equal(pulled!.id, layered.id);
    assert.deepEqual(blobGets(mirrorProxy, 'team/dying'), digests([layered.config, first]));
    assert.deepEqual(blobGets(primaryProxy, 'team/dying'), digests(layered.layers), 'the primary serves the cut layer and those after it');
    assert.equal(
      primaryProxy.matching('GET', new RegExp(`/blobs/${first.digest}$`))[0]!.range,
      'bytes=65536-',
      'the cut layer goes on from the byte the mirror reached',
    );
    assert.deepEqual(primaryProxy.matching('GET', /\/manifests\//), [], "the manifest is the mirror's");
    const warnings = events.of('warning').map((e) => e.message);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.deepEqual(
      events.of('warning').map((e) => e.code),
      ['ENDPOINT_FALLBACK'],
    );
    assert.ok(warnings[0]!.startsWith(`mirror ${mirrorProxy.host}/team/dying:v1: `), warnings[0]);
    assert.ok(warnings[0]!.endsWith(`; reading the rest of the image from primary ${primaryProxy.host}/team/dying:v1`), warnings[0]);
  });

  test('newer: the HEAD walks the same endpoints; a dead mirror, then the primary answers it', async () => {
    const conf = await sandbox.conf('head.conf', mirrored([dead]));
    const store = await sandbox.store();
    await pull(layersName('v1'), { ...pullOptions(sandbox, conf), store });
    reset();
    const [pulled] = await pull(layersName('v1'), { ...pullOptions(sandbox, conf), store, policy: 'newer' });
    assert.equal(pulled!.id, layered.id);
    assert.equal((await store.readEvents()).at(-1)!.result, 'up-to-date');
    assert.equal(primaryProxy.matching('HEAD', /\/manifests\/v1$/).length, 1);
    assert.deepEqual(
      primaryProxy.requests.filter((r) => r.method === 'GET' && /\/(manifests|blobs)\//.test(r.path)),
      [],
    );
  });

  test('--all-tags: the tag list walks the same endpoints; a dead mirror, then the cache lists and serves every tag', async () => {
    const conf = await sandbox.conf('tags.conf', mirrored([dead, mirrorProxy.host]));
    reset();
    const pulled = await pull(`${primaryProxy.host}/team/layers`, { ...pullOptions(sandbox, conf), store: await sandbox.store(), allTags: true });
    assert.equal(pulled.length, 2);
    assert.deepEqual([...new Set(pulled.flatMap((p) => p.names))].sort(), [layersName('v1'), layersName('v2')]);
    assert.equal(mirrorProxy.matching('GET', /^\/v2\/team\/layers\/tags\/list/).length, 1);
    assert.deepEqual(primaryProxy.requests, [], 'the primary was not asked for the list or for any tag');
  });

  test('a trust policy that rejects the image a mirror serves is final: no other endpoint is asked', async () => {
    const conf = await sandbox.conf('reject.conf', mirrored([mirrorProxy.host]));
    const policy = await sandbox.conf('reject.json', JSON.stringify({ default: [{ type: 'reject' }] }));
    reset();
    await assert.rejects(pull(layersName('v1'), { ...pullOptions(sandbox, conf), store: await sandbox.store(), signaturePolicy: policy }), (err: unknown) =>
      isHoistError(err, 'POLICY_REJECTED'),
    );
    assert.deepEqual(blobGets(mirrorProxy, 'team/layers'), [], 'refused before any blob');
    assert.deepEqual(primaryProxy.requests, []);
  });
});

describe('--creds and mirrors', () => {
  let authPrimary: RegistryHandle;
  let otherHost: RegistryHandle;
  let otherProxy: FaultProxy;
  before(async () => {
    [authPrimary, otherHost] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ auth: 'htpasswd' })]);
    await pushImage(authPrimary, 'team/secret', secret, 'v1');
    await pushImage(otherHost, 'team/secret', secret, 'v1');
    otherProxy = await startFaultProxy(otherHost);
  });
  after(async () => {
    await otherProxy?.stop();
    await Promise.all([authPrimary?.stop(), otherHost?.stop()]);
  });

  test('credentials given with --creds reach the primary but not a mirror on another host', async () => {
    const conf = await sandbox.conf(
      'creds.conf',
      `[[registry]]\nlocation = "${authPrimary.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${otherProxy.host}"\ninsecure = true\n`,
    );
    const creds = { username: authPrimary.username!, password: authPrimary.password! };
    const [image] = await pull(`${authPrimary.host}/team/secret:v1`, {
      ...pullOptions(sandbox, conf),
      store: await sandbox.store(),
      registry: { retry: 0, creds },
    });
    assert.equal(image!.id, secret.id);
    // The mirror was asked (and challenged for credentials) but never got any.
    assert.ok(otherProxy.requests.length > 0, 'the mirror was not tried');
    assert.deepEqual(
      otherProxy.requests.filter((r) => r.authorization),
      [],
    );
  });

  test('a credentials hook is asked per endpoint, with the mirror’s own host, and its answer is used there', async () => {
    const conf = await sandbox.conf(
      'hook.conf',
      `[[registry]]\nlocation = "${authPrimary.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${otherProxy.host}"\ninsecure = true\n`,
    );
    const asked: { registry: string; repository: string }[] = [];
    const byHost = new Map([
      [otherProxy.host, { username: otherHost.username!, password: otherHost.password! }],
      [authPrimary.host, { username: authPrimary.username!, password: authPrimary.password! }],
    ]);
    otherProxy.requests.length = 0;
    const [image] = await pull(`${authPrimary.host}/team/secret:v1`, {
      ...pullOptions(sandbox, conf),
      store: await sandbox.store(),
      registry: { retry: 0 },
      credentials: (request) => {
        asked.push(request);
        return byHost.get(request.registry);
      },
    });
    assert.equal(image!.id, secret.id);
    assert.deepEqual(asked, [{ registry: otherProxy.host, repository: 'team/secret' }], 'the mirror served the pull with the credentials for its own host');
    assert.ok(otherProxy.matching('GET', /\/manifests\/v1$/).some((r) => r.authorization && r.status === 200));
  });

  test('accessFor keeps --creds for endpoints on the primary host only', () => {
    const creds = { username: 'u', password: 'p' };
    const access = { creds, env: {} };
    const source = (name: string, mirror: boolean) => ({ reference: parseReference(name), insecure: false, mirror });
    const primarySource = source('registry.example/team/app:1', false);
    assert.deepEqual(accessFor(primarySource, primarySource, access).creds, creds);
    assert.deepEqual(accessFor(source('registry.example/mirror/team/app:1', true), primarySource, access).creds, creds);
    assert.equal(accessFor(source('mirror.example/team/app:1', true), primarySource, access).creds, undefined);
    assert.equal(accessFor(source('registry.example:5000/team/app:1', true), primarySource, access).creds, undefined);
  });
});
