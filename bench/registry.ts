import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pushBlob, pushManifest, pushStreamedBlob } from '../test/helpers/push.js';
import { startRegistry, type RegistryHandle, type RegistryOptions } from '../test/helpers/registry.js';
import type { TokenIssuer } from '../test/helpers/token-issuer.js';
import type { Document, GeneratedImage } from './generate/images.js';
import type { ShortNameSearch, TlsRegistry, WanLink, WanSite } from './scenarios.js';
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

/** The TLS registry of the tls- scenarios (no relay, no auth), with the images pushed. */
export async function tlsRegistryWith(images: readonly GeneratedImage[]): Promise<{ tls: TlsRegistry; stop(): Promise<void> }> {
  const registry = await registryWith(images, { tls: true });
  return { tls: { host: registry.host, certDir: registry.certDir! }, stop: registry.stop };
}

/** What one WAN profile needs started: the images its registry holds, and whether a short-name search lists an empty registry first. */
export interface WanPlan {
  rttMs: number;
  images: GeneratedImage[];
  emptyFirst: boolean;
}

/**
 * The WAN of the wan- scenarios, per profile: its accuracy measured (before any scenario runs),
 * then a site holding the images and, for the short-name search, an empty site and a
 * registries.conf (in `dir`) that searches the empty one first.
 */
export async function wanLinksWith(plans: readonly WanPlan[], dir: string, log: (line: string) => void): Promise<{ links: WanLink[]; stop(): Promise<void> }> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const links: WanLink[] = [];
    for (const plan of plans) {
      const profile: WanProfile = { rttMs: plan.rttMs, bytesPerSecond: WAN_BANDWIDTH };
      const accuracy = await measureAddedRtt(profile);
      log(
        `wan relay: RTT ${plan.rttMs} ms configured, ${accuracy.addedRttMs.toFixed(1)} ms added (median of ${accuracy.rounds} round trips), ` +
          `a fresh connection ${accuracy.freshConnectionMs.toFixed(1)} ms (connect + first ping-pong, median of ${accuracy.connections})`,
      );
      const site = await wanSite(plan.images, profile, stops);
      const search = plan.emptyFirst
        ? { search: await searchEmptyFirst(await wanSite([], profile, stops), site, join(dir, `registries-wan${plan.rttMs}.conf`)) }
        : {};
      links.push({ profile, accuracy, site, ...search });
    }
    return { links, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A registry as one on the internet is reached (Docker Hub, GHCR, Quay): TLS and token auth, the
 * registry behind one relay and its token issuer behind another of the same profile, so that the
 * realm it advertises is as far away as the registry. The realm keeps the issuer's host name
 * (localhost, on the test certificate) with the relay's port.
 */
async function wanSite(images: readonly GeneratedImage[], profile: WanProfile, stops: (() => Promise<void>)[]): Promise<WanSite> {
  const relays: WanRelay[] = [];
  const relayTo = async (target: string) => {
    const relay = await startWanRelay(target, profile);
    relays.push(relay);
    stops.push(relay.stop);
    return relay;
  };
  const tokenRealm = async (issuer: TokenIssuer) => {
    const realm = new URL(issuer.realm);
    realm.port = portOf((await relayTo(`127.0.0.1:${realm.port}`)).host);
    return realm.href;
  };
  const registry = await registryWith(images, { tls: true, auth: 'token', tokenIssuerTls: true, tokenRealm });
  stops.push(registry.stop);
  const relay = await relayTo(registry.host);
  return { host: relay.host, certDir: registry.certDir!, creds: `${registry.username}:${registry.password}`, relays };
}

const portOf = (host: string) => host.slice(host.lastIndexOf(':') + 1);

/** A registries.conf searching short names in `empty`, then `site`; permissive, since no TTY is there to ask. */
async function searchEmptyFirst(empty: WanSite, site: WanSite, conf: string): Promise<ShortNameSearch> {
  await writeFile(conf, `unqualified-search-registries = ["${empty.host}", "${site.host}"]\nshort-name-mode = "permissive"\n`);
  return { empty, conf };
}
