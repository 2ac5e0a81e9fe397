import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { digestStream } from '../../test/helpers/digest-stream.js';
import { coalesce } from './digest-stream.js';
import { layerEntries, type LayerEntry } from './entries.js';
import type { LayerRecipe } from './recipes.js';
import type { Rng } from './rng.js';
import { TAR_END, tarHeader, tarPadding } from './tar.js';

export interface BuiltLayer {
  /** The uncompressed tar (kept until the docker-archive is written). */
  tarPath: string;
  diffId: string;
  tarSize: number;
  /** The gzip blob, stored under its digest. */
  blobPath: string;
  digest: string;
  size: number;
}

/** Docker and containerd compress layers with Go's default gzip level. */
const GZIP_LEVEL = 6;

/** Writes the layer's tar, then gzips it into `blobsDir`; both are streamed, never held in memory. */
export async function buildLayer(recipe: LayerRecipe, rng: Rng, scale: number, workDir: string, blobsDir: string, name: string): Promise<BuiltLayer> {
  const tarPath = join(workDir, `${name}.tar`);
  const tar = digestStream();
  await pipeline(Readable.from(coalesce(tarBytes(layerEntries(recipe, rng, scale)))), tar.stream, createWriteStream(tarPath));
  const { digest: diffId, size: tarSize } = tar.result();

  const partial = join(blobsDir, `${name}.partial`);
  const gz = digestStream();
  await pipeline(createReadStream(tarPath, { highWaterMark: 1024 * 1024 }), createGzip({ level: GZIP_LEVEL }), gz.stream, createWriteStream(partial));
  const { digest, size } = gz.result();
  const blobPath = join(blobsDir, digest.slice('sha256:'.length));
  await rename(partial, blobPath);
  return { tarPath, diffId, tarSize, blobPath, digest, size };
}

function* tarBytes(entries: Iterable<LayerEntry>): Generator<Buffer> {
  for (const entry of entries) {
    yield tarHeader(entry.header);
    if (entry.data === undefined) continue;
    yield* entry.data;
    yield tarPadding(entry.header.size);
  }
  yield TAR_END;
}
