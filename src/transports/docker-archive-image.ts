import { invalidArchive, type TarArchive, type TarEntry } from '../archive/index.js';
import { digestBytes, MAX_MANIFEST_BYTES, parseImageConfig, type Descriptor } from '../manifest/index.js';
import { isValidDigest } from '../reference/index.js';
import type { ArchiveImageItem } from './docker-archive-manifest.js';

/** One image of a docker archive, checked against its config and the entry table. */
export interface ArchiveImage {
  config: { bytes: Buffer; digest: string };
  /** The config's rootfs.diff_ids in order (repeats included, as the image has them). */
  diffIds: string[];
  /** The entry of each distinct layer, by diffID. */
  layers: Map<string, TarEntry>;
}

/**
 * Reads the config of a manifest.json item and pairs each diffID with its layer entry, as
 * containers/image does: a diffID repeated in one image uses its first entry, and one entry
 * standing for two different diffIDs is an error.
 */
export async function resolveArchiveImage(archive: TarArchive, item: ArchiveImageItem): Promise<ArchiveImage> {
  const fail = (detail: string) => invalidArchive(archive.path, detail);
  const bytes = await archive.readSmall(archive.file(item.config), MAX_MANIFEST_BYTES);
  const config = parseImageConfig(bytes, `${archive.path}: config "${item.config}"`);
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isValidDigest(d))) {
    throw fail(`config "${item.config}" has no valid rootfs.diff_ids`);
  }
  if (diffIds.length !== item.layers.length) {
    throw fail(`manifest.json lists ${item.layers.length} layers, but config "${item.config}" has ${diffIds.length} diff_ids`);
  }
  const layers = new Map<string, TarEntry>();
  const diffIdOfEntry = new Map<string, string>();
  for (const [i, diffId] of diffIds.entries()) {
    if (layers.has(diffId)) continue;
    const name = item.layers[i]!;
    if (diffIdOfEntry.has(name)) throw fail(`layer "${name}" stands for two different diffIDs (${diffIdOfEntry.get(name)} and ${diffId})`);
    diffIdOfEntry.set(name, diffId);
    layers.set(diffId, layerEntry(archive, name, item.layerSources.get(diffId)));
  }
  return { config: { bytes, digest: digestBytes(bytes) }, diffIds, layers };
}

function layerEntry(archive: TarArchive, name: string, foreignSource: Descriptor | undefined): TarEntry {
  if (!archive.has(name) && foreignSource !== undefined) {
    // docker save records where a foreign (non-distributable) layer comes from; hoist, like skopeo, reads only what the archive holds.
    const from = foreignSource.urls?.join(', ') ?? foreignSource.digest;
    throw invalidArchive(archive.path, `layer "${name}" is a foreign layer that the archive does not include (its source: ${from})`);
  }
  return archive.fileFollowingSymlink(name);
}
