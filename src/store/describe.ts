import type { ImageConfig, ParsedImageManifest } from '../manifest/index.js';
import { parseReference, repositoryName } from '../reference/index.js';
import type { ImageRecord } from './records.js';

/**
 * What `inspect` shows of a stored image: `podman image inspect`'s fields, names and types, in its
 * order, then hoist's own. Podman's fields hoist has no value for are left out, never invented
 * (README, "What inspect shows"): `GraphDriver` and `NamesHistory` (hoist unpacks nothing and
 * keeps no history of names).
 */
export interface ImageInfo {
  Id: string;
  Digest: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Always empty: a pulled image has no parent (Podman's is the image it was built from). */
  Parent: string;
  Comment: string;
  /** The config's `created`, RFC 3339 as the config has it. */
  Created: string | undefined;
  Config: ImageConfig['config'];
  /** The config's `docker_version`. */
  Version: string;
  Author: string;
  Architecture: string | undefined;
  Os: string | undefined;
  Variant?: string;
  /**
   * Bytes stored for the image: config plus layers as stored (compressed layers stay compressed).
   * Podman's Size is the unpacked size, which hoist does not know: it never unpacks.
   */
  Size: number;
  /** As Podman has it for an image without a parent: the same as Size. */
  VirtualSize: number;
  RootFS: { Type: string; Layers: string[] } | undefined;
  Labels: Record<string, string>;
  /** The manifest's annotations. */
  Annotations: Record<string, string>;
  ManifestType: string;
  /** The config's `config.User`. */
  User: string;
  History: unknown[];
  /** hoist's: the image's names (tags and digest names), as `images` lists them. */
  Names: string[];
  /** hoist's: the digest of the index the image was pulled from, for its first name. */
  IndexDigest: string | undefined;
  /** hoist's: when the image was stored. */
  Pulled: string;
  /** hoist's: the image has no name. */
  Dangling: boolean;
}

/** The two reads describeImage needs of a store. */
export interface StoredImageReader {
  manifestOf(record: ImageRecord): Promise<ParsedImageManifest>;
  configOf(record: ImageRecord): Promise<ImageConfig>;
}

/** A config's text field, or '' when it is absent or not text (the config is the registry's). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A string-to-string map from a document, keeping only string values (and no inherited keys). */
function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export async function describeImage(store: StoredImageReader, record: ImageRecord): Promise<ImageInfo> {
  const [manifest, config] = await Promise.all([store.manifestOf(record), store.configOf(record)]);
  // Each name's own digests: the manifest's, and the index it was pulled from (if it was).
  const repoDigests = record.names.flatMap((n) =>
    [record.manifestDigest, ...(record.indexDigests[n] !== undefined ? [record.indexDigests[n]!] : [])].map((d) => `${repositoryName(parseReference(n))}@${d}`),
  );
  const indexDigest = record.names.length > 0 ? record.indexDigests[record.names[0]!] : undefined;
  const size = manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
  const raw = config as ImageConfig & { comment?: unknown; docker_version?: unknown };
  return {
    Id: record.id,
    Digest: indexDigest ?? record.manifestDigest,
    RepoTags: record.names.filter((n) => !n.includes('@')),
    RepoDigests: [...new Set(repoDigests)],
    Parent: '',
    Comment: text(raw.comment),
    Created: typeof config.created === 'string' ? config.created : undefined,
    Config: config.config,
    Version: text(raw.docker_version),
    Author: text(config.author),
    Architecture: config.architecture,
    Os: config.os,
    ...(config.variant ? { Variant: config.variant } : {}),
    Size: size,
    VirtualSize: size,
    RootFS: config.rootfs === undefined ? undefined : { Type: config.rootfs.type, Layers: config.rootfs.diff_ids },
    Labels: stringMap(config.config?.Labels),
    Annotations: stringMap(manifest.annotations),
    ManifestType: record.manifestMediaType,
    User: text(config.config?.User),
    History: Array.isArray(config.history) ? config.history : [],
    Names: record.names,
    IndexDigest: indexDigest,
    Pulled: record.pulled,
    Dangling: record.names.length === 0,
  };
}
