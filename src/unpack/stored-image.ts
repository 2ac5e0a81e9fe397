import { open, type FileHandle } from 'node:fs/promises';
import { HoistError } from '../errors.js';
import { configPlatform, formatPlatform, isCustomPlatform, samePlatform, wantedPlatform, type ImageConfig } from '../manifest/index.js';
import { isValidDigest } from '../reference/index.js';
import { storeOf, type ImageRecord } from '../store/index.js';
import type { LayerInput } from './layer-input.js';
import type { ImageReadOptions } from './options.js';

/** A stored image opened for reading: its config, and every layer's blob open from the start. */
export interface OpenedImage {
  record: ImageRecord;
  config: ImageConfig;
  layers: { layer: LayerInput; file: FileHandle }[];
  close(): Promise<void>;
}

/**
 * Finds the image in the store and opens every layer blob at once. The store is only read, under
 * no lock, so a pull is never held up; an `rmi` that runs meanwhile cannot take a layer away, as
 * an open file outlives its name.
 */
export async function openStoredImage(image: string, options: ImageReadOptions, caller: string): Promise<OpenedImage> {
  const store = await storeOf(options, caller);
  const record = await store.lookup(image, options.search);
  if (record === undefined) {
    throw new HoistError('IMAGE_NOT_KNOWN', `${image}: image not known`, { hint: `pull it into the store first: hoist pull ${image}` });
  }
  const where = `stored image ${record.id}`;
  const [manifest, config] = await Promise.all([store.manifestOf(record), store.configOf(record)]);
  if (options.platform !== undefined && isCustomPlatform(options.platform)) {
    const wanted = wantedPlatform(options.platform);
    const has = configPlatform(config);
    if (!samePlatform(wanted, has, wanted.variant !== undefined)) {
      throw new HoistError('NO_MATCHING_PLATFORM', `${image}: the stored image is for ${formatPlatform(has)}, not ${formatPlatform(wanted)}`, {
        hint: `the store keeps one platform per name; pull the other one: hoist pull --platform ${formatPlatform(wanted)} ${image}`,
      });
    }
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new HoistError('INVALID_LAYER', `${where}: the manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length} diff_ids`);
  }
  const layers = manifest.layers.map((d, index): LayerInput => {
    const diffId = diffIds[index]!;
    if (typeof diffId !== 'string' || !isValidDigest(diffId) || !diffId.startsWith('sha256:')) {
      throw new HoistError('INVALID_LAYER', `${where}: diff_id ${index + 1} is not a sha256 digest`);
    }
    return { index, digest: d.digest, size: d.size, diffId };
  });
  const files: FileHandle[] = [];
  const close = async () => {
    await Promise.all(files.map((f) => f.close()));
  };
  try {
    for (const layer of layers) files.push(await open(store.paths.blob(layer.digest), 'r'));
  } catch (err) {
    await close();
    throw new HoistError('STORE_CORRUPT', `${where}: a layer blob cannot be read: ${(err as Error).message}`, {
      hint: `pull the image again: hoist pull ${image}`,
      cause: err,
    });
  }
  return { record, config, layers: layers.map((layer, i) => ({ layer, file: files[i]! })), close };
}
