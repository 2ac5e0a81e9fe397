import { detectCompression, invalidArchive, MAGIC_BYTES, type Compression, type TarArchive, type TarEntry } from '../archive/index.js';
import { digestBytes, MediaType } from '../manifest/index.js';
import type { RawManifest } from '../source/image-source.js';
import { mapLimited } from '../io/run-limited.js';
import type { ArchiveImage } from './docker-archive-image.js';

/** Layers are hashed two at a time: enough to keep both cores busy, few enough to stay gentle on the disk. */
const HASH_PARALLELISM = 2;

type StoredCompression = Exclude<Compression, 'bzip2' | 'xz'>;

type ManifestFormat = 'docker' | 'oci';

function layerMediaType(format: ManifestFormat, compression: StoredCompression): string {
  if (format === 'oci') return { none: MediaType.ociLayer, gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd }[compression];
  return compression === 'gzip' ? MediaType.dockerLayerGzip : MediaType.dockerLayer;
}

export interface SynthesizedManifest {
  raw: RawManifest;
  /** The archive entry behind each layer digest of the manifest. */
  layerEntries: Map<string, TarEntry>;
}

interface StoredLayer {
  diffId: string;
  entry: TarEntry;
  compression: StoredCompression;
  digest: string;
}

/**
 * The manifest of an image in a docker archive, built as skopeo builds it (Docker v2s2, the config
 * as is, one layer per diffID in order, repeats included), so the image ID (the config digest)
 * equals skopeo's. Unlike skopeo, which decompresses every layer and labels it `.tar.gzip` whatever
 * it holds, layers are stored as the archive holds them and labelled truthfully: an uncompressed
 * layer's digest is its diffID (verified as it is copied); a compressed layer's digest is computed
 * here, in one streaming pass over its bytes.
 */
export async function synthesizeManifest(archive: TarArchive, image: ArchiveImage, signal?: AbortSignal): Promise<SynthesizedManifest> {
  const stored = await mapLimited([...image.layers], HASH_PARALLELISM, ([diffId, entry], shared) => storedLayer(archive, diffId, entry, shared), signal);
  const byDiffId = new Map(stored.map((layer) => [layer.diffId, layer]));
  // Docker v2s2 has no zstd layer type (containers/image refuses one), so a zstd layer makes the manifest OCI.
  const format: ManifestFormat = stored.some((l) => l.compression === 'zstd') ? 'oci' : 'docker';
  const descriptor = (layer: StoredLayer) => ({ mediaType: layerMediaType(format, layer.compression), size: layer.entry.size, digest: layer.digest });
  const doc = {
    schemaVersion: 2,
    mediaType: format === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest,
    config: {
      mediaType: format === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig,
      size: image.config.bytes.length,
      digest: image.config.digest,
    },
    layers: image.diffIds.map((diffId) => descriptor(byDiffId.get(diffId)!)),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return {
    raw: { bytes, mediaType: doc.mediaType, digest: digestBytes(bytes) },
    layerEntries: new Map(stored.map((l) => [l.digest, l.entry])),
  };
}

async function storedLayer(archive: TarArchive, diffId: string, entry: TarEntry, signal?: AbortSignal): Promise<StoredLayer> {
  const compression = detectCompression(await archive.readHead(entry, MAGIC_BYTES));
  if (compression === 'bzip2' || compression === 'xz') {
    throw invalidArchive(archive.path, `layer "${entry.name}" is ${compression}-compressed, which image manifests cannot describe`);
  }
  const digest = compression === 'none' ? diffId : await archive.digest(entry, signal);
  return { diffId, entry, compression, digest };
}
