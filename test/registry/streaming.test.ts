import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { blobOf, OCI_LAYER_GZIP, OCI_MANIFEST } from '../helpers/images.js';
import { pushBlob, pushManifest, pushStreamedBlob } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, type Scratch } from '../helpers/registry-pull.js';

const LAYER_BYTES = 200 * 1024 * 1024;
/**
 * Blob bytes go through one reused read buffer per download straight to disk, so the pull's RSS
 * barely moves: 1.9 MiB measured. A pull that allocated per chunk (as Node streams do) grew by
 * ~50 MiB here; one that held the layer, by 200.
 */
const MAX_RSS_GROWTH = 16 * 1024 * 1024;

/** 200 MiB made on the fly: one random MiB with a running counter stamped in, so no chunk repeats. */
function generatedLayer(): Readable {
  const chunk = randomBytes(1024 * 1024);
  let made = 0;
  return new Readable({
    read() {
      if (made === LAYER_BYTES) return void this.push(null);
      chunk.writeUInt32BE(made / chunk.length, 0);
      made += chunk.length;
      this.push(Buffer.from(chunk));
    },
  });
}

/** Runs in a child process, so its RSS is the pull's alone. Prints the peak growth during the pull. */
const CHILD = `
const [copyUrl, storeUrl, dockerUrl, refUrl, root, name] = process.argv.slice(1);
const { copyImage } = await import(copyUrl);
const { Store } = await import(storeUrl);
const { registryEndpoint } = await import(dockerUrl);
const { parseReference } = await import(refUrl);
const store = await Store.open(root);
const source = await registryEndpoint(parseReference(name), { insecure: true, env: { HOME: root }, certsBases: [] }).open();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
const image = await copyImage(source, store, { platform: { os: 'linux', architecture: 'amd64' }, names: [] });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(JSON.stringify({ id: image.id, growth: peak - baseline }));
`;

let scratch: Scratch;
let registry: RegistryHandle;
before(async () => {
  scratch = await makeScratch();
  registry = await startRegistry();
});
after(async () => {
  await registry.stop();
  await scratch.remove();
});

test('a 200 MiB layer streams through with bounded memory', async () => {
  const layer = await pushStreamedBlob(registry, 'big/app', generatedLayer());
  assert.equal(layer.size, LAYER_BYTES);
  const config = blobOf(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    'application/vnd.oci.image.config.v1+json',
  );
  await pushBlob(registry, 'big/app', config);
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size }],
    }),
    OCI_MANIFEST,
  );
  await pushManifest(registry, 'big/app', 'v1', manifest);

  const module = (path: string) => new URL(`../../src/${path}`, import.meta.url).href;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    // --liftoff-only as the CLI sets it: V8's background recompile of undici's parser would add ~30 MiB.
    [
      '--max-old-space-size=64',
      '--liftoff-only',
      '--input-type=module',
      '-e',
      CHILD,
      module('copy/index.js'),
      module('store/index.js'),
      module('transports/docker.js'),
      module('reference/index.js'),
      join(scratch.dir, 'store'),
      `${registry.host}/big/app:v1`,
    ],
    { cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  const result = JSON.parse(stdout) as { id: string; growth: number };
  assert.equal(result.id, config.digest.slice(7));
  assert.ok(result.growth < MAX_RSS_GROWTH, `RSS grew by ${(result.growth / 1024 / 1024).toFixed(1)} MiB while pulling 200 MiB`);
});
