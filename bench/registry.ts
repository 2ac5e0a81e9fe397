import { createReadStream } from 'node:fs';
import { pushBlob, pushManifest, pushStreamedBlob } from '../test/helpers/push.js';
import { startRegistry, type RegistryHandle } from '../test/helpers/registry.js';
import type { Document, GeneratedImage } from './generate/images.js';

/** A real `docker-registry serve` on loopback (the test suite's helper), with the images pushed. */
export async function registryWith(images: readonly GeneratedImage[]): Promise<RegistryHandle> {
  const registry = await startRegistry();
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
