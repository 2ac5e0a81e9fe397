import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pull } from '../../src/engine/index.js';
import type { PullContext } from '../../src/engine/pull-context.js';
import { accessFor } from '../../src/engine/registry-sources.js';
import { isHoistError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/index.js';
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

describe('mirrors', () => {
  test('a pull-through cache mirror serves the pull; the primary is not asked', async () => {
    const conf = await sandbox.conf('mirror.conf', mirrored([mirrorProxy.host]));
    reset();
    const store = await sandbox.store();
    const [image] = await pull(`${primaryProxy.host}/team/app:v1`, { ...pullOptions(sandbox, conf), store });
    assert.equal(image!.id, app.id);
    assert.deepEqual(image!.names, [`${primaryProxy.host}/team/app:v1`]);
    assert.equal(mirrorProxy.matching('GET', /^\/v2\/team\/app\/manifests\/v1$/).filter((r) => r.status === 200).length, 1);
    const blobGets = mirrorProxy.matching('GET', /^\/v2\/team\/app\/blobs\//).map((r) => r.path.split('/').at(-1)).sort();
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
    await assert.rejects(pull(`${primaryProxy.host}/team/nope:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store(), onEvent: events.onEvent }), (err: unknown) => {
      assert.ok(isHoistError(err, 'PULL_FAILED'), String(err));
      const lines = err.message.split('\n');
      assert.equal(lines[0], `pulling ${primaryProxy.host}/team/nope:v1 failed from every source:`);
      assert.equal(lines.length, 3, err.message);
      assert.ok(lines[1]!.startsWith(` * mirror ${dead}/team/nope:v1: `), lines[1]);
      assert.match(lines[1]!, /connection refused/);
      assert.ok(lines[2]!.startsWith(` * primary ${primaryProxy.host}/team/nope:v1: `), lines[2]);
      assert.match(lines[2]!, /manifest unknown|name unknown/i);
      return true;
    });
  });

  test('pull-from-mirror = "digest-only": a tag goes to the primary, a digest to the mirror', async () => {
    const conf = await sandbox.conf('digest-only.conf', `[[registry]]\nlocation = "${primaryProxy.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${mirrorProxy.host}"\ninsecure = true\npull-from-mirror = "digest-only"\n`);
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
    const conf = await sandbox.conf('creds.conf', `[[registry]]\nlocation = "${authPrimary.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${otherProxy.host}"\ninsecure = true\n`);
    const creds = { username: authPrimary.username!, password: authPrimary.password! };
    const [image] = await pull(`${authPrimary.host}/team/secret:v1`, { ...pullOptions(sandbox, conf), store: await sandbox.store(), registry: { retry: 0, creds } });
    assert.equal(image!.id, secret.id);
    // The mirror was asked (and challenged for credentials) but never got any.
    assert.ok(otherProxy.requests.length > 0, 'the mirror was not tried');
    assert.deepEqual(otherProxy.requests.filter((r) => r.authorization), []);
  });

  test('accessFor keeps --creds for endpoints on the primary host only', () => {
    const creds = { username: 'u', password: 'p' };
    const ctx = { options: { registry: { creds } }, env: {}, settings: { file: 'x', warnings: [] } } as unknown as PullContext;
    const source = (name: string, mirror: boolean) => ({ reference: parseReference(name), insecure: false, mirror });
    const primarySource = source('registry.example/team/app:1', false);
    assert.deepEqual(accessFor(primarySource, primarySource, ctx).creds, creds);
    assert.deepEqual(accessFor(source('registry.example/mirror/team/app:1', true), primarySource, ctx).creds, creds);
    assert.equal(accessFor(source('mirror.example/team/app:1', true), primarySource, ctx).creds, undefined);
    assert.equal(accessFor(source('registry.example:5000/team/app:1', true), primarySource, ctx).creds, undefined);
  });
});
