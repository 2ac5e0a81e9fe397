import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fetchManifest, headManifest, RegistryClient } from '../../src/registry/index.js';
import { runHoist } from '../helpers/cli.js';
import { buildImage, buildIndex } from '../helpers/images.js';
import { pushImage, pushIndex } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, type Scratch } from '../helpers/registry-pull.js';
import { startTcpCounter, type TcpCounter } from '../helpers/tcp-counter.js';

/**
 * How many connections a pull opens: over a WAN each new one costs a TCP and a TLS handshake
 * (two round trips) before its first request, so requests that follow one another share one.
 */
const amd64 = buildImage({ architecture: 'amd64', layers: [{ 'a.txt': 'amd64\n' }] });
const arm64 = buildImage({ architecture: 'arm64', layers: [{ 'a.txt': 'arm64\n' }] });

let registry: RegistryHandle;
before(async () => {
  registry = await startRegistry({ tls: true });
  await pushIndex(registry, 'conn/app', buildIndex([amd64, arm64]), 'multi');
  await pushImage(registry, 'conn/app', amd64, 'single');
});
after(async () => registry.stop());

describe('requests for manifests', () => {
  let counter: TcpCounter;
  before(async () => (counter = await startTcpCounter(registry.host)));
  after(async () => counter.stop());

  test('the ping, a HEAD, the index and an instance manifest go over one connection', async () => {
    const client = await RegistryClient.open(counter.host, 'conn/app', { certDir: registry.certDir! });
    assert.ok((await headManifest(client, 'multi'))?.startsWith('sha256:'));
    await fetchManifest(client, 'multi');
    await fetchManifest(client, amd64.manifest.digest);
    await fetchManifest(client, 'single');
    assert.equal(counter.connections.length, 1);
  });
});

describe('connections for blobs', () => {
  let plain: RegistryHandle;
  let counter: TcpCounter;
  let scratch: Scratch;
  const image = buildImage({ layers: [{ 'warm.txt': 'one layer\n' }] });
  before(async () => {
    plain = await startRegistry();
    await pushImage(plain, 'conn/warm', image, 'v1');
    scratch = await makeScratch();
  });
  after(async () => {
    await counter.stop();
    await plain.stop();
    await scratch.remove();
  });

  const hoistPull = async (root: string, ...flags: string[]) => {
    const result = await runHoist(['--root', root, 'pull', '-q', '--tls-verify=false', ...flags, `${counter.host}/conn/warm:v1`], { env: scratch.env });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), image.id);
  };
  // An insecure registry is tried over HTTPS first (its handshake fails and carries no request), as Podman does.
  const opened = (from: number) => counter.connections.slice(from).filter((c) => c.requests.length > 0);

  test('a cold pull opens them while the manifest is fetched: no blob GET waits for a handshake after it', async () => {
    // Every answer comes 100 ms late, as from a registry far away: a connection opened only
    // once the manifest has arrived is opened well after the manifest's answer.
    counter = await startTcpCounter(plain.host, { answerDelayMs: 100 });
    await hoistPull(join(scratch.dir, 'cold'));
    const manifest = counter.connections.flatMap((c) => c.requests).find((r) => r.line.includes('/manifests/'));
    const forBlobs = counter.connections.filter((c) => c.requests.some((r) => r.line.includes('/blobs/')));
    assert.ok(manifest?.answeredAt !== undefined && forBlobs.length > 0, JSON.stringify(counter.connections));
    for (const connection of forBlobs) assert.ok(connection.openedAt < manifest.answeredAt, JSON.stringify(counter.connections));
  });

  test('`always` and `newer` on a stored, unchanged image open none: one connection serves the ping and the manifest', async () => {
    const root = join(scratch.dir, 'warm');
    await hoistPull(root);
    for (const policy of ['always', 'newer']) {
      const before = counter.connections.length;
      await hoistPull(root, '--policy', policy);
      assert.equal(opened(before).length, 1, `${policy}: ${JSON.stringify(opened(before))}`);
    }
  });
});

describe('pings', () => {
  let a: RegistryHandle;
  let b: RegistryHandle;
  let relayA: TcpCounter;
  let relayB: TcpCounter;
  let scratch: Scratch;
  const first = buildImage({ layers: [{ 'v.txt': 'first\n' }] });
  const second = buildImage({ layers: [{ 'v.txt': 'second\n' }] });
  before(async () => {
    [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    await pushImage(b, 'conn/short', first, 'v1');
    // Answers 100 ms late, as from registries far away: what overlaps and what follows shows.
    [relayA, relayB] = await Promise.all([startTcpCounter(a.host, { answerDelayMs: 100 }), startTcpCounter(b.host, { answerDelayMs: 100 })]);
    scratch = await makeScratch();
  });
  after(async () => {
    await Promise.all([relayA.stop(), relayB.stop(), a.stop(), b.stop()]);
    await scratch.remove();
  });
  const requests = (relay: TcpCounter, from = 0) => relay.connections.slice(from).flatMap((c) => c.requests);
  const hoist = async (args: string[]) => {
    const result = await runHoist(args, { env: scratch.env });
    assert.equal(result.status, 0, result.stderr);
    return result;
  };

  test('`newer` on a changed image pings once: the copy takes the answer its digest check got', async () => {
    const root = join(scratch.dir, 'newer');
    const name = `${relayB.host}/conn/short:newer`;
    await pushImage(b, 'conn/short', first, 'newer');
    await hoist(['--root', root, 'pull', '-q', '--tls-verify=false', name]);
    await pushImage(b, 'conn/short', second, 'newer');
    const from = relayB.connections.length;
    const result = await hoist(['--root', root, 'pull', '-q', '--tls-verify=false', '--policy', 'newer', name]);
    assert.equal(result.stdout.trim(), second.id);
    assert.equal(requests(relayB, from).filter((r) => r.line.startsWith('GET /v2/ ')).length, 1, JSON.stringify(requests(relayB, from)));
  });

  test('a short name: the second search registry is pinged while the first is tried, and hears the name only after the first lacks it', async () => {
    const conf = join(scratch.dir, 'registries.conf');
    await writeFile(
      conf,
      [
        `unqualified-search-registries = ["${relayA.host}", "${relayB.host}"]`,
        'short-name-mode = "permissive"',
        ...[relayA, relayB].flatMap((relay) => ['[[registry]]', `location = "${relay.host}"`, 'insecure = true']),
      ].join('\n'),
    );
    const [fromA, fromB] = [relayA.connections.length, relayB.connections.length];
    const result = await hoist(['--root', join(scratch.dir, 'short'), '--registries-conf', conf, 'pull', '-q', 'conn/short:v1']);
    assert.equal(result.stdout.trim(), first.id);
    const missing = requests(relayA, fromA).find((r) => r.line.includes('/manifests/'));
    const pingB = relayB.connections.slice(fromB).find((c) => c.requests.some((r) => r.line.startsWith('GET /v2/ ')));
    const namedToB = requests(relayB, fromB).filter((r) => r.line.includes('/conn/short/'));
    assert.ok(
      missing?.answeredAt !== undefined && pingB !== undefined && namedToB.length > 0,
      JSON.stringify({ a: relayA.connections, b: relayB.connections }),
    );
    assert.ok(pingB.openedAt < missing.answeredAt, 'B pinged before A answered that it lacks the image');
    for (const request of namedToB) assert.ok(request.seenAt > missing.answeredAt, `${request.line}: asked of B only after A lacked the image`);
  });
});
