import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchManifest, headManifest, RegistryClient } from '../../src/registry/index.js';
import { buildImage, buildIndex } from '../helpers/images.js';
import { pushImage, pushIndex } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
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
