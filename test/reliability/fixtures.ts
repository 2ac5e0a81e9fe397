import { writeFile } from 'node:fs/promises';
import { dockerArchive, directoryEntries } from '../helpers/archives.js';
import { buildImage, writeOciLayout, type Blob, type FixtureImage, type FixtureOptions } from '../helpers/images.js';
import { makeTar } from '../helpers/tar.js';
import { withTempDir } from '../helpers/tmp.js';
import type { Rng } from './rng.js';

export const MiB = 1024 * 1024;

/** One file of seeded random bytes per layer: incompressible, so what crosses the wire is what is stored. */
export function randomLayers(rng: Rng, sizes: readonly number[]): Record<string, Buffer>[] {
  return sizes.map((size, i) => ({ [`data/${i}.bin`]: rng.bytes(size) }));
}

export function randomImage(rng: Rng, sizes: readonly number[], options: FixtureOptions = {}): FixtureImage {
  return buildImage({ ...options, layers: randomLayers(rng, sizes) });
}

/** The blobs a pull downloads (config and layers; the manifest is fetched by tag, not as a blob). */
export function downloadedBlobs(image: FixtureImage): Blob[] {
  return [image.config, ...image.layers];
}

/** Writes `docker save`'s format of `image` (its layers as they are) tagged `repoTag`. */
export async function writeDockerArchive(path: string, image: FixtureImage, repoTag: string): Promise<void> {
  await writeFile(path, dockerArchive([{ image, repoTags: [repoTag] }]));
}

/** Writes an oci-archive: a tar of an OCI layout holding `image` under `refName`. */
export async function writeOciArchive(path: string, image: FixtureImage, refName: string): Promise<void> {
  await withTempDir(async (dir) => {
    await writeOciLayout(dir, [{ top: image.manifest, refName }], image.blobs.values());
    await writeFile(path, makeTar(await directoryEntries(dir)));
  });
}
