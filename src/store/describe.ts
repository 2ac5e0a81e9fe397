import type { ImageConfig, ParsedImageManifest } from '../manifest/index.js';
import { parseReference, repositoryName } from '../reference/index.js';
import type { ImageRecord } from './records.js';

/** What `images` and `inspect` show of a stored image, in Podman's field names. */
export interface ImageInfo {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  Names: string[];
  Created: string | undefined;
  Architecture: string | undefined;
  Os: string | undefined;
  Variant: string | undefined;
  /** Bytes stored for the image: config plus layers as stored (compressed layers stay compressed). */
  Size: number;
  Labels: Record<string, string>;
  Config: ImageConfig['config'];
  RootFS: ImageConfig['rootfs'];
  ManifestType: string;
  IndexDigest: string | undefined;
  Pulled: string;
  Dangling: boolean;
}

/** The two reads describeImage needs of a store. */
export interface StoredImageReader {
  manifestOf(record: ImageRecord): Promise<ParsedImageManifest>;
  configOf(record: ImageRecord): Promise<ImageConfig>;
}

export async function describeImage(store: StoredImageReader, record: ImageRecord): Promise<ImageInfo> {
  const [manifest, config] = await Promise.all([store.manifestOf(record), store.configOf(record)]);
  // Each name's own digests: the manifest's, and the index it was pulled from (if it was).
  const repoDigests = record.names.flatMap((n) =>
    [record.manifestDigest, ...(record.indexDigests[n] !== undefined ? [record.indexDigests[n]!] : [])].map((d) => `${repositoryName(parseReference(n))}@${d}`),
  );
  const indexDigest = record.names.length > 0 ? record.indexDigests[record.names[0]!] : undefined;
  return {
    Id: record.id,
    Digest: indexDigest ?? record.manifestDigest,
    RepoTags: record.names.filter((n) => !n.includes('@')),
    RepoDigests: [...new Set(repoDigests)],
    Names: record.names,
    Created: config.created,
    Architecture: config.architecture,
    Os: config.os,
    Variant: config.variant,
    Size: manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0),
    Labels: config.config?.Labels ?? {},
    Config: config.config,
    RootFS: config.rootfs,
    ManifestType: record.manifestMediaType,
    IndexDigest: indexDigest,
    Pulled: record.pulled,
    Dangling: record.names.length === 0,
  };
}
