import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';

/** Docker format: distribution 2.8 as a cache asks its upstream for Docker media types only. */
const image = buildImage({ format: 'docker', layers: [{ 'mirror.txt': 'through a pull-through cache\n' }] });
let scratch: Scratch;
let upstream: RegistryHandle;
let mirror: RegistryHandle;
before(async () => {
  scratch = await makeScratch();
  upstream = await startRegistry();
  await pushImage(upstream, 'team/app', image, 'v1');
  mirror = await startRegistry({ proxyRemoteUrl: upstream.url });
});
after(async () => {
  await mirror.stop();
  await upstream.stop();
  await scratch.remove();
});

test('a pull-through cache (proxy.remoteurl) serves the upstream image', async () => {
  const { image: pulled } = await pull(scratch, `${mirror.host}/team/app:v1`, scratch.options({ insecure: true }));
  assert.equal(pulled.id, image.id);
});
