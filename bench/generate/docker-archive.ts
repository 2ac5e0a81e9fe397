import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TAR_END, tarHeader, tarPadding } from './tar.js';

/** What `docker save` puts in an archive for one image. */
export interface ArchiveImage {
  repoTag: string;
  config: { digest: string; data: string };
  /** Uncompressed layer tars on disk, in order, with their diffIDs. */
  layers: readonly { diffId: string; tarPath: string; tarSize: number }[];
}

const hex = (digest: string) => digest.slice('sha256:'.length);

/**
 * Writes a `docker save` archive (the format Docker < 25, podman and skopeo write): per layer a
 * `<id>/` directory with `VERSION`, `json` and the uncompressed `layer.tar`, then `<config>.json`,
 * `manifest.json` and `repositories`. Layers are streamed from their files.
 */
export async function writeDockerArchive(path: string, image: ArchiveImage): Promise<void> {
  await pipeline(Readable.from(archiveBytes(image)), createWriteStream(path));
}

async function* archiveBytes(image: ArchiveImage): AsyncGenerator<Buffer> {
  const small = (name: string, text: string) => {
    const data = Buffer.from(text);
    return [tarHeader({ name, size: data.length, type: 'file' }), data, tarPadding(data.length)];
  };
  let parent: string | undefined;
  for (const layer of image.layers) {
    const id = hex(layer.diffId);
    yield tarHeader({ name: id, size: 0, type: 'dir' });
    yield* small(`${id}/VERSION`, '1.0');
    yield* small(`${id}/json`, JSON.stringify({ id, ...(parent !== undefined ? { parent } : {}) }));
    yield tarHeader({ name: `${id}/layer.tar`, size: layer.tarSize, type: 'file' });
    for await (const chunk of createReadStream(layer.tarPath, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
    yield tarPadding(layer.tarSize);
    parent = id;
  }
  const configName = `${hex(image.config.digest)}.json`;
  yield* small(configName, image.config.data);
  const [repository, tag] = splitRepoTag(image.repoTag);
  const layers = image.layers.map((l) => `${hex(l.diffId)}/layer.tar`);
  yield* small('manifest.json', JSON.stringify([{ Config: configName, RepoTags: [image.repoTag], Layers: layers }]));
  yield* small('repositories', JSON.stringify({ [repository]: { [tag]: parent } }));
  yield TAR_END;
}

function splitRepoTag(repoTag: string): [string, string] {
  const colon = repoTag.lastIndexOf(':');
  return [repoTag.slice(0, colon), repoTag.slice(colon + 1)];
}
