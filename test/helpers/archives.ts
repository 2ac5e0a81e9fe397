import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { copyImage } from '../../src/copy/index.js';
import { HoistError } from '../../src/errors.js';
import type { ImageRecord, Store } from '../../src/store/index.js';
import type { LocalTransport } from '../../src/transports/index.js';
import { blobOf, DOCKER_CONFIG, OCI_INDEX, type FixtureImage } from './images.js';
import { makeTar, tarEntries, type TarEntry } from './tar.js';

/** Fixture writers for docker-archive and oci-archive tests, and a pull helper. */

export interface ArchiveImageSpec {
  image: FixtureImage;
  repoTags?: string[];
}

const json = (value: unknown) => JSON.stringify(value);

/**
 * The entries of a `docker save` archive. 'legacy' is Docker < 25 / podman / skopeo: `<id>.json`
 * configs, `<dir>/layer.tar` layers with their `VERSION`/`json` files, `repositories`.
 * 'docker25' puts the same manifest.json beside an OCI layout and names layers `blobs/sha256/<hex>`.
 */
export function dockerArchiveEntries(specs: ArchiveImageSpec[], style: 'legacy' | 'docker25' = 'legacy'): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  const add = (name: string, data: Buffer | string) => entries.set(name, { name, data });
  const items = specs.map(({ image, repoTags }) => {
    const layerNames = image.layers.map((layer) => {
      const hex = layer.digest.slice(7);
      if (style === 'docker25') {
        add(`blobs/sha256/${hex}`, layer.data);
        return `blobs/sha256/${hex}`;
      }
      add(`${hex}/VERSION`, '1.0');
      add(`${hex}/json`, json({ id: hex }));
      add(`${hex}/layer.tar`, layer.data);
      return `${hex}/layer.tar`;
    });
    const configName = style === 'docker25' ? `blobs/sha256/${image.id}` : `${image.id}.json`;
    add(configName, image.config.data);
    if (style === 'docker25') add(`blobs/sha256/${image.manifest.digest.slice(7)}`, image.manifest.data);
    return { Config: configName, RepoTags: repoTags ?? [], Layers: layerNames };
  });
  if (style === 'docker25') {
    add('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
    const manifests = specs.flatMap(({ image, repoTags }) =>
      (repoTags ?? []).map((tag) => ({
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.size,
        annotations: { 'io.containerd.image.name': `docker.io/library/${tag}`, 'org.opencontainers.image.ref.name': tag.split(':')[1] },
      })),
    );
    add('index.json', json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  }
  add('repositories', json({}));
  add('manifest.json', json(items));
  return [...entries.values()];
}

export function dockerArchive(specs: ArchiveImageSpec[], style: 'legacy' | 'docker25' = 'legacy'): Buffer {
  return makeTar(dockerArchiveEntries(specs, style));
}

/** Tar entries for a directory tree (e.g. one written by writeOciLayout): names relative, sorted, symlinks kept. */
export async function directoryEntries(dir: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const dirent of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      if (dirent.isDirectory()) {
        entries.push({ name: `${name}/`, type: 'dir' });
        await walk(name);
      } else if (dirent.isSymbolicLink()) {
        entries.push({ name, type: 'symlink', linkname: await readlink(join(dir, name)) });
      } else {
        entries.push({ name, data: await readFile(join(dir, name)) });
      }
    }
  };
  await walk('');
  return entries;
}

/** Rewrites a ustar header's type flag (e.g. 'L', 'x', 'g') and its checksum. */
export function withTypeflag(header: Buffer, flag: string): Buffer {
  const h = Buffer.from(header);
  h.write(flag, 156);
  return withChecksum(h);
}

/** Recomputes a header's checksum after a test edited it. */
export function withChecksum(header: Buffer): Buffer {
  const h = Buffer.from(header);
  h.write('        ', 148);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A header (no body) for an entry of `size` bytes. */
export function tarHeader(name: string, size: number): Buffer {
  return tarEntries([{ name, data: '', headerSize: size }])[0]!;
}

/** An extension entry (GNU long name `L`, PAX `x`/`g`) carrying `body`, as header + padded body. */
export function extensionEntry(flag: string, body: Buffer | string): Buffer[] {
  const [header, ...rest] = tarEntries([{ name: '././@LongLink', data: body }]);
  return [withTypeflag(header!, flag), ...rest];
}

/** PAX records `"%d key=value\n"` (the length counts the whole record). */
export function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(body) + 1;
      while (String(length).length + Buffer.byteLength(body) !== length) length++;
      return Buffer.from(`${length}${body}`);
    }),
  );
}

/**
 * A valid zstd frame that stores `data` in raw (uncompressed) blocks: Node 20's zlib has no zstd,
 * and raw blocks are enough for peers (skopeo) to decompress it and for hoist to detect it.
 */
export function zstdFrame(data: Buffer): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from([0x00, 7 << 3])]; // no checksum, no size; 128 KiB window
  let offset = 0;
  do {
    const block = data.subarray(offset, offset + MAX_BLOCK);
    offset += block.length;
    const last = offset >= data.length ? 1 : 0;
    const header = (block.length << 3) | last; // block type 0 = raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
  } while (offset < data.length);
  return Buffer.concat(parts);
}

/** Pulls `reference` of a local transport into `store`, named as the transport says. */
export async function pullArchive(transport: LocalTransport, reference: string, store: Store): Promise<ImageRecord> {
  const { source, names } = await transport.open(transport.parse(reference), { tmpDir: store.paths.tmp });
  try {
    return await copyImage(source, store, { platform: { os: 'linux', architecture: 'amd64' }, names });
  } finally {
    await source.close();
  }
}

export interface LargeArchive {
  /** Image ID (config digest hex). */
  id: string;
  /** Bytes of the archive file. */
  size: number;
  layers: { digest: string; size: number }[];
}

const CHUNK = 1 << 20;

/** Deterministic, poorly compressible bytes: chunk `n` holds the 32-bit words n·2^18, n·2^18+1, … */
function patternChunk(n: number): Buffer {
  const words = new Uint32Array(CHUNK / 4);
  for (let i = 0; i < words.length; i++) words[i] = (n * words.length + i) >>> 0;
  return Buffer.from(words.buffer);
}

/** The chunks of a one-file layer tar whose file holds `mib` MiB of pattern bytes (from chunk `first`). */
function* layerTarChunks(mib: number, first: number): Generator<Buffer> {
  yield tarHeader('data.bin', mib * CHUNK);
  for (let i = 0; i < mib; i++) yield patternChunk(first + i);
  yield Buffer.alloc(1024);
}

/**
 * Streams a large docker archive to `path` without holding more than a chunk in memory: one
 * uncompressed layer per entry of `plainMiB`, then one gzip layer of `gzipMiB` (its entry header
 * is written last, once the compressed size is known).
 */
export async function writeLargeDockerArchive(path: string, plainMiB: number[], gzipMiB: number): Promise<LargeArchive> {
  const fh = await open(path, 'w');
  let position = 0;
  const write = async (chunk: Buffer, at = position) => {
    await fh.write(chunk, 0, chunk.length, at);
    if (at === position) position += chunk.length;
  };
  const pad = () => write(Buffer.alloc((512 - (position % 512)) % 512));
  const diffIds: string[] = [];
  const layers: LargeArchive['layers'] = [];
  const layerNames: string[] = [];
  let firstChunk = 0;
  try {
    for (const [i, mib] of plainMiB.entries()) {
      const size = mib * CHUNK + 1536;
      layerNames.push(`plain${i}/layer.tar`);
      await write(tarHeader(layerNames.at(-1)!, size));
      const hash = createHash('sha256');
      for (const chunk of layerTarChunks(mib, firstChunk)) {
        hash.update(chunk);
        await write(chunk);
      }
      firstChunk += mib;
      diffIds.push(`sha256:${hash.digest('hex')}`);
      layers.push({ digest: diffIds.at(-1)!, size });
    }

    layerNames.push('gzip/layer.tar');
    const headerAt = position;
    await write(Buffer.alloc(512));
    const diffHash = createHash('sha256');
    const blobHash = createHash('sha256');
    const gzip = createGzip({ level: 1 });
    let compressedSize = 0;
    const drain = (async () => {
      for await (const chunk of gzip) {
        blobHash.update(chunk as Buffer);
        compressedSize += (chunk as Buffer).length;
        await write(chunk as Buffer);
      }
    })();
    for (const chunk of layerTarChunks(gzipMiB, firstChunk)) {
      diffHash.update(chunk);
      if (!gzip.write(chunk)) await once(gzip, 'drain');
    }
    gzip.end();
    await drain;
    await write(tarHeader(layerNames.at(-1)!, compressedSize), headerAt);
    await pad();
    diffIds.push(`sha256:${diffHash.digest('hex')}`);
    layers.push({ digest: `sha256:${blobHash.digest('hex')}`, size: compressedSize });

    const config = blobOf(json({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds }, history: [] }), DOCKER_CONFIG);
    const manifest = json([{ Config: `${config.digest.slice(7)}.json`, RepoTags: ['large:1'], Layers: layerNames }]);
    for (const part of tarEntries([
      { name: `${config.digest.slice(7)}.json`, data: config.data },
      { name: 'manifest.json', data: manifest },
    ])) {
      await write(part);
    }
    await write(Buffer.alloc(1024));
    return { id: config.digest.slice(7), size: position, layers };
  } finally {
    await fh.close();
  }
}

/** Asserts that `promise` fails with exactly this HoistError code, message and (if given) hint. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message: string, hint?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    if (hint !== undefined) assert.equal(err.hint, hint);
    return true;
  });
}

/**
 * `mib` MiB of zeros, gzip-compressed, as one gzip member per MiB, compressed once and repeated (a
 * gzip stream may be several members, as `cat a.gz b.gz` makes): padding after a tar's end, or a
 * bomb's body, of hundreds of MiB in a few hundred KiB, made in milliseconds.
 */
export function gzippedZeros(mib: number): Buffer[] {
  return new Array<Buffer>(mib).fill(gzipSync(Buffer.alloc(1024 * 1024), { level: 9 }));
}
