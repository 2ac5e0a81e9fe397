import assert from 'node:assert/strict';
import { rm, truncate } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { pull, type PullOptions } from '../../src/engine/index.js';
import { isHoistError } from '../../src/errors.js';
import type { Store } from '../../src/store/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage, buildIndex } from '../helpers/images.js';
import { pushImage, pushIndex } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { runHoist } from '../helpers/cli.js';
import { capture, insecure, makeSandbox, pullOptions, type Sandbox } from './support.js';

// Pull policies against a real registry; a counting proxy in front of it records every request.
const app = buildImage({ layers: [{ 'etc/app': 'app v1\n' }, { 'etc/lib': 'shared lib\n' }] });
const moved = buildImage({ layers: [{ 'etc/app': 'app v2\n' }, { 'etc/lib': 'shared lib\n' }] });
const amd64 = buildImage({ architecture: 'amd64', layers: [{ 'etc/arch': 'amd64\n' }] });
const arm64 = buildImage({ architecture: 'arm64', variant: 'v8', layers: [{ 'etc/arch': 'arm64\n' }] });
const multi = buildIndex([amd64, arm64]);
const hostImage = process.arch === 'arm64' ? arm64 : amd64;

let sandbox: Sandbox;
let registry: RegistryHandle;
let proxy: FaultProxy;
let conf: string;
const name = (path: string) => `${proxy.host}/${path}`;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  proxy = await startFaultProxy(registry);
  await pushImage(registry, 'pol/app', app, '1');
  await pushImage(registry, 'pol/moving', app, '1');
  await pushIndex(registry, 'pol/multi', multi, '1');
  // The host's instance of pol/multi, also pushed on its own: two names, one manifest.
  await pushImage(registry, 'pol/tiny', hostImage, '1');
  conf = await sandbox.conf('registries.conf', insecure(proxy.host));
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  await sandbox?.remove();
});

function options(store: Store, extra: PullOptions = {}): PullOptions {
  return { ...pullOptions(sandbox, conf), store, ...extra };
}

/** A store that holds `ref` already (pulled with `always`), and the request log cleared. */
async function storeWith(ref: string, extra: PullOptions = {}): Promise<Store> {
  const store = await sandbox.store();
  await pull(ref, options(store, extra));
  proxy.requests.length = 0;
  return store;
}

const manifestGets = () => proxy.matching('GET', /\/manifests\//);
const blobGets = () => proxy.matching('GET', /\/blobs\//);
const manifestHeads = () => proxy.matching('HEAD', /\/manifests\//);

describe('missing', () => {
  test('a present image is returned with no request at all', async () => {
    const store = await storeWith(name('pol/app:1'));
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'missing' }));
    assert.equal(image!.id, app.id);
    assert.deepEqual(proxy.requests, []);
  });

  test('an absent image is pulled', async () => {
    const store = await sandbox.store();
    proxy.requests.length = 0;
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'missing' }));
    assert.equal(image!.id, app.id);
    assert.equal(manifestGets().length, 1);
  });

  test('a local image with a missing blob is pulled again', async () => {
    const store = await storeWith(name('pol/app:1'));
    const gone = app.layers[0]!.digest;
    await rm(store.paths.blob(gone));
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'missing' }));
    assert.equal(image!.id, app.id);
    assert.deepEqual(
      blobGets().map((r) => r.path.split('/').at(-1)),
      [gone],
    );
    assert.ok(await store.hasBlob(gone));
    assert.ok(await store.isComplete((await store.lookup(name('pol/app:1')))!));
  });

  test('a local image with a truncated blob is pulled again', async () => {
    const store = await storeWith(name('pol/app:1'));
    const cut = app.layers[1]!;
    await truncate(store.paths.blob(cut.digest), cut.size - 5);
    await pull(name('pol/app:1'), options(store, { policy: 'missing' }));
    assert.deepEqual(
      blobGets().map((r) => r.path.split('/').at(-1)),
      [cut.digest],
    );
    assert.ok(await store.isComplete((await store.lookup(name('pol/app:1')))!));
  });

  test('a custom platform turns missing into newer: the registry is asked with HEAD', async () => {
    const platform = { platform: `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}` };
    const store = await storeWith(name('pol/multi:1'), { platform });
    const [image] = await pull(name('pol/multi:1'), options(store, { policy: 'missing', platform }));
    assert.equal(image!.id, hostImage.id);
    assert.equal(manifestHeads().length, 1);
    assert.deepEqual([...manifestGets(), ...blobGets()], []);
  });

  test('a custom platform other than the stored one gets that platform from the same index', async () => {
    const store = await storeWith(name('pol/multi:1'), { platform: { platform: 'linux/amd64' } });
    const [image] = await pull(name('pol/multi:1'), options(store, { policy: 'missing', platform: { platform: 'linux/arm64' } }));
    assert.equal(image!.id, arm64.id);
    assert.deepEqual(
      blobGets()
        .map((r) => r.path.split('/').at(-1))
        .sort(),
      [arm64.config.digest, ...arm64.layers.map((l) => l.digest)].sort(),
    );
    const records = await store.images();
    assert.deepEqual(
      records.map((r) => [r.id, r.names]).sort(),
      [
        [amd64.id, []],
        [arm64.id, [name('pol/multi:1')]],
      ].sort(),
    );
  });
});

describe('never', () => {
  test('a present image is returned without a request', async () => {
    const store = await storeWith(name('pol/app:1'));
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'never' }));
    assert.equal(image!.id, app.id);
    assert.deepEqual(proxy.requests, []);
  });

  test('an absent image is "image not known", without a request', async () => {
    const store = await sandbox.store();
    proxy.requests.length = 0;
    await assert.rejects(
      pull(name('pol/app:1'), options(store, { policy: 'never' })),
      (err: unknown) => isHoistError(err, 'IMAGE_NOT_KNOWN') && err.message === `${name('pol/app:1')}: image not known`,
    );
    assert.deepEqual(proxy.requests, []);
  });
});

describe('newer', () => {
  test('an unchanged tag costs one HEAD of the manifest and downloads nothing', async () => {
    const store = await storeWith(name('pol/app:1'));
    const events = capture();
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'newer', onEvent: events.onEvent }));
    assert.equal(image!.id, app.id);
    assert.deepEqual(
      manifestHeads().map((r) => r.path),
      ['/v2/pol/app/manifests/1'],
    );
    assert.deepEqual([...manifestGets(), ...blobGets()], []);
    assert.deepEqual(events.of('copy-start'), []);
    assert.deepEqual(events.tried(), [], 'nothing is pulled, so no "Trying to pull" (as Podman)');
  });

  test('when the registry cannot answer, the local image is kept, with a warning', async () => {
    const store = await storeWith(name('pol/app:1'));
    proxy.inject({ path: /^\/v2\/pol\/app\/manifests\//, fault: { kind: 'status', status: 503 }, times: 2 });
    const events = capture();
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'newer', onEvent: events.onEvent }));
    assert.equal(image!.id, app.id);
    assert.deepEqual(
      proxy.matching('HEAD', /\/manifests\//).map((r) => r.status),
      [503],
    );
    assert.deepEqual(
      manifestGets().map((r) => r.status),
      [503],
    );
    assert.deepEqual(blobGets(), []);
    assert.equal(events.of('warning').length, 1);
    assert.equal(events.of('warning')[0]!.code, 'NEWER_CHECK_FAILED');
    assert.match(events.of('warning')[0]!.message, new RegExp(`cannot check ${name('pol/app:1').replace(/\./g, '\\.')} for a newer image`));
  });

  test('without a local image, a registry failure is an error', async () => {
    proxy.inject({ path: /^\/v2\/pol\/app\/manifests\//, fault: { kind: 'status', status: 503 }, times: 1 });
    await assert.rejects(pull(name('pol/app:1'), options(await sandbox.store(), { policy: 'newer' })), /503|unavailable|injected/i);
  });

  test('two names that share a manifest keep their own index digests (issue 11, defect 1)', async () => {
    const store = await storeWith(name('pol/tiny:1'));
    await pull(name('pol/multi:1'), options(store));
    const record = await store.lookup(name('pol/tiny:1'));
    assert.deepEqual(record?.names, [name('pol/tiny:1'), name('pol/multi:1')]);
    // pol/tiny was pulled as a plain manifest: it has no index digest, pol/multi has its own.
    assert.deepEqual(record?.indexDigests, { [name('pol/multi:1')]: multi.index.digest });
    const listed = JSON.parse((await runHoist(['--root', store.root, 'images', '--format', 'json'])).stdout) as { Digest: string; RepoDigests: string[] }[];
    assert.equal(listed[0]!.Digest, hostImage.manifest.digest);
    assert.ok(listed[0]!.RepoDigests.includes(`${name('pol/multi')}@${multi.index.digest}`));
    assert.ok(!listed[0]!.RepoDigests.includes(`${name('pol/tiny')}@${multi.index.digest}`));
    // And so `newer` finds each name up to date, with one HEAD each and nothing downloaded.
    proxy.requests.length = 0;
    const events = capture();
    await pull(name('pol/tiny:1'), options(store, { policy: 'newer', onEvent: events.onEvent }));
    await pull(name('pol/multi:1'), options(store, { policy: 'newer', onEvent: events.onEvent }));
    assert.equal(manifestHeads().length, 2);
    assert.deepEqual(manifestGets(), []);
    assert.deepEqual(blobGets(), []);
    const results = (await store.readEvents()).slice(-2).map((e) => e.result);
    assert.deepEqual(results, ['up-to-date', 'up-to-date']);
  });

  test('for an index, the recorded index digest is compared', async () => {
    const store = await storeWith(name('pol/multi:1'));
    const record = await store.lookup(name('pol/multi:1'));
    assert.equal(record?.indexDigests[name('pol/multi:1')], multi.index.digest);
    assert.equal(record?.manifestDigest, hostImage.manifest.digest);
    const [image] = await pull(name('pol/multi:1'), options(store, { policy: 'newer' }));
    assert.equal(image!.id, hostImage.id);
    assert.equal(manifestHeads().length, 1);
    assert.deepEqual([...manifestGets(), ...blobGets()], []);
  });

  test('a tag moved on the registry is pulled; the old image stays, dangling', async () => {
    const store = await storeWith(name('pol/moving:1'));
    await pushImage(registry, 'pol/moving', moved, '1');
    const [image] = await pull(name('pol/moving:1'), options(store, { policy: 'newer' }));
    assert.equal(image!.id, moved.id);
    assert.equal(manifestHeads().length, 1);
    assert.equal(manifestGets().length, 1);
    // The shared layer was stored already: only the new config and layer were downloaded.
    assert.deepEqual(
      blobGets()
        .map((r) => r.path.split('/').at(-1))
        .sort(),
      [moved.config.digest, moved.layers[0]!.digest].sort(),
    );
    const records = await store.images();
    assert.deepEqual(
      records.map((r) => [r.id, r.names]).sort(),
      [
        [app.id, []],
        [moved.id, [name('pol/moving:1')]],
      ].sort(),
    );

    const listing = await runHoist(['--root', store.root, 'images', '--all'], { env: sandbox.cliEnv });
    assert.equal(listing.status, 0, listing.stderr);
    const rows = listing.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2]]).sort(),
      [
        ['<none>', '<none>', app.id.slice(0, 12)],
        [name('pol/moving'), '1', moved.id.slice(0, 12)],
      ].sort(),
    );
  });
});

describe('always', () => {
  test('asks the registry again but skips the blobs it has', async () => {
    const store = await storeWith(name('pol/app:1'));
    const events = capture();
    const [image] = await pull(name('pol/app:1'), options(store, { policy: 'always', onEvent: events.onEvent }));
    assert.equal(image!.id, app.id);
    assert.equal(manifestGets().length, 1);
    assert.deepEqual(blobGets(), []);
    const done = events.of('blob-done');
    assert.deepEqual(done.map((e) => [e.digest, e.skipped]).sort(), [app.config, ...app.layers].map((b) => [b.digest, true]).sort());
  });
});

describe('references by ID', () => {
  test('with always an ID is an error; with missing it is the local image, without a request', async () => {
    const store = await storeWith(name('pol/app:1'));
    await assert.rejects(
      pull(app.id, options(store, { policy: 'always' })),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && err.message.includes(app.id),
    );
    await assert.rejects(pull(app.id.slice(0, 12), options(store, { policy: 'always' })), (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT'));
    const [image] = await pull(app.id, options(store, { policy: 'missing' }));
    assert.equal(image!.id, app.id);
    const [byPrefix] = await pull(app.id.slice(0, 12), options(store, { policy: 'missing' }));
    assert.equal(byPrefix!.id, app.id);
    assert.deepEqual(proxy.requests, []);
  });
});

describe('the events log', () => {
  test('records pull and pull-error with the name as given, the resolved name, ID, policy and result', async () => {
    const store = await sandbox.store();
    await pull(name('pol/app:1'), options(store, { policy: 'always' }));
    await pull(name('pol/app:1'), options(store, { policy: 'missing' }));
    await pull(name('pol/app:1'), options(store, { policy: 'newer' }));
    await assert.rejects(pull(name('pol/nope:1'), options(store, { policy: 'always' })));
    await assert.rejects(pull(name('pol/absent:1'), options(store, { policy: 'never' })));
    const shown = await runHoist(['--root', store.root, 'events', '--format', 'json'], { env: sandbox.cliEnv });
    assert.equal(shown.status, 0, shown.stderr);
    const records = shown.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map(({ type, input, resolved, id, policy, result }) => ({ type, input, resolved, id, policy, result })),
      [
        { type: 'pull', input: name('pol/app:1'), resolved: name('pol/app:1'), id: app.id, policy: 'always', result: 'pulled' },
        { type: 'pull', input: name('pol/app:1'), resolved: name('pol/app:1'), id: app.id, policy: 'missing', result: 'present' },
        { type: 'pull', input: name('pol/app:1'), resolved: name('pol/app:1'), id: app.id, policy: 'newer', result: 'up-to-date' },
        { type: 'pull-error', input: name('pol/nope:1'), resolved: name('pol/nope:1'), id: undefined, policy: 'always', result: 'error' },
        { type: 'pull-error', input: name('pol/absent:1'), resolved: name('pol/absent:1'), id: undefined, policy: 'never', result: 'error' },
      ],
    );
    assert.ok(records.every((r) => typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time as string))));
    assert.match(String(records[3]!.error), /manifest unknown|name unknown/i);
    assert.equal(records[4]!.error, `${name('pol/absent:1')}: image not known`);
  });
});
