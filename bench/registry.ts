import { createReadStream } from 'node:fs';
import { pushBlob, pushManifest, pushStreamedBlob } from '../test/helpers/push.js';
import { startRegistry, type RegistryHandle, type RegistryOptions } from '../test/helpers/registry.js';
import type { Document, GeneratedImage } from './generate/images.js';
import type { TlsRegistry, WanLink } from './scenarios.js';
import { measureAddedRtt, startWanRelay, WAN_BANDWIDTH, type WanProfile, type WanRelay } from './wan-relay.js';

/** A real `docker-registry serve` on loopback (the test suite's helper), with the images pushed. */
export async function registryWith(images: readonly GeneratedImage[], options: RegistryOptions = {}): Promise<RegistryHandle> {
  const registry = await startRegistry(options);
  try {
    for (const image of images) await push(registry, image);
  } catch (err) {
    await registry.stop();
    throw err;
  }
  return registry;
}

/** Layers are streamed in one chunked PATCH: a 100 MB layer never sits in memory. */
async function push(registry: RegistryHandle, image: GeneratedImage): Promise<void> {
  const repo = image.repository;
  await pushBlob(registry, repo, { digest: image.config.digest, data: Buffer.from(image.config.data) });
  for (const layer of image.layers) {
    const pushed = await pushStreamedBlob(registry, repo, createReadStream(layer.path, { highWaterMark: 1024 * 1024 }));
    if (pushed.digest !== layer.digest)
      throw new Error(`push: ${layer.path} has digest ${pushed.digest}, expected ${layer.digest} (stale cache? delete bench/.cache)`);
  }
  const asBlob = (doc: Document) => ({ mediaType: doc.mediaType, data: Buffer.from(doc.data) });
  if (image.top.digest !== image.manifest.digest) {
    await pushManifest(registry, repo, image.manifest.digest, asBlob(image.manifest));
  }
  await pushManifest(registry, repo, image.tag, asBlob(image.top));
}

/**
 * The TLS registry of the tls- and wan- scenarios, with the images pushed, and a WAN relay in
 * front of it per RTT, each measured (before any scenario runs) for the RTT it really adds.
 */
export async function tlsRegistryWith(
  images: readonly GeneratedImage[],
  rtts: readonly number[],
  log: (line: string) => void,
): Promise<{ tls: TlsRegistry; stop(): Promise<void> }> {
  const registry = await registryWith(images, { tls: true });
  const relays: WanRelay[] = [];
  const stop = async () => {
    for (const relay of relays) await relay.stop();
    await registry.stop();
  };
  try {
    const links: WanLink[] = [];
    for (const rttMs of rtts) {
      const profile: WanProfile = { rttMs, bytesPerSecond: WAN_BANDWIDTH };
      const accuracy = await measureAddedRtt(profile);
      log(
        `wan relay: RTT ${rttMs} ms configured, ${accuracy.addedRttMs.toFixed(1)} ms added (median of ${accuracy.rounds} round trips), ` +
          `a fresh connection ${accuracy.freshConnectionMs.toFixed(1)} ms (connect + first ping-pong, median of ${accuracy.connections})`,
      );
      const relay = await startWanRelay(registry.host, profile);
      relays.push(relay);
      links.push({ host: relay.host, profile, accuracy, relay });
    }
    return { tls: { host: registry.host, certDir: registry.certDir!, links }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
