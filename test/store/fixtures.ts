import { join } from 'node:path';
import { Store, type NewImage } from '../../src/store/index.js';
import type { FixtureImage } from '../helpers/images.js';

/** Opens a store in `dir`/store. */
export function openStore(dir: string): Promise<Store> {
  return Store.open(join(dir, 'store'));
}

/** Writes a fixture image's blobs into the store (as a copy would) and returns the record to commit. */
export async function addImageBlobs(store: Store, image: FixtureImage): Promise<NewImage> {
  for (const blob of [image.config, ...image.layers, image.manifest]) await store.writeSmallBlob(blob.digest, blob.data);
  return newImage(image);
}

export function newImage(image: FixtureImage): NewImage {
  return {
    id: image.id,
    configDigest: image.config.digest,
    manifestDigest: image.manifest.digest,
    manifestMediaType: image.manifest.mediaType,
    manifestSize: image.manifest.size,
  };
}
