import { HoistError } from '../errors.js';
import type { Descriptor, Platform } from '../manifest/index.js';
import { imageIdOf } from '../reference/index.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonFile, type StorePaths } from './layout.js';

/** Annotation keys on index.json descriptors. The first two are what peers (skopeo, containerd) read. */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
  pulled: 'dev.hoist.pulled',
  indexDigest: 'dev.hoist.index-digest',
  configDigest: 'dev.hoist.config-digest',
  signatures: 'dev.hoist.signatures',
} as const;

/** One image in the store, gathered from all the index.json descriptors that point at its manifest. */
export interface ImageRecord {
  /** Image ID: the hex of the config digest, as Podman has it. */
  id: string;
  configDigest: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  /** Full names, e.g. docker.io/library/fedora:latest; empty for a dangling image. */
  names: string[];
  /**
   * For each name pulled from a multi-platform index, the digest of that index (what `newer`
   * compares). Per name: two names may share a manifest but not the index it came from.
   */
  indexDigests: Record<string, string>;
  pulled: string;
  platform?: Platform;
  /**
   * Digests of the signature blobs the policy accepted for this manifest (c/image's blob format,
   * stored in blobs/ like any blob), kept so `hoist verify` can re-check them offline.
   */
  signatures?: string[];
}

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

export async function readIndex(paths: StorePaths): Promise<IndexJson> {
  let doc: unknown;
  try {
    doc = await readJsonFile(paths.index);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, manifests: [] };
    throw new HoistError('STORE_CORRUPT', `image store index ${paths.index} is unreadable: ${(err as Error).message}`, { cause: err });
  }
  const index = doc as Partial<IndexJson> | null;
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) {
    throw new HoistError('STORE_CORRUPT', `image store index ${paths.index} has no "manifests" list`);
  }
  return index as IndexJson;
}

export async function writeIndex(paths: StorePaths, index: IndexJson): Promise<void> {
  await writeFileAtomic(paths.index, `${JSON.stringify(index, null, 2)}\n`, { tmpPath: paths.tmpFile('index') });
}

/** Groups descriptors by manifest digest into image records, keeping the order of first appearance. */
export function recordsFromIndex(index: IndexJson): ImageRecord[] {
  const byManifest = new Map<string, ImageRecord>();
  for (const d of index.manifests) {
    const a = d.annotations ?? {};
    const configDigest = a[Annotation.configDigest];
    if (configDigest === undefined) continue; // not written by hoist; left alone
    let record = byManifest.get(d.digest);
    if (record === undefined) {
      record = {
        id: imageIdOf(configDigest),
        configDigest,
        manifestDigest: d.digest,
        manifestMediaType: d.mediaType,
        manifestSize: d.size,
        names: [],
        indexDigests: {},
        pulled: a[Annotation.pulled] ?? '',
        ...(a[Annotation.signatures] ? { signatures: a[Annotation.signatures].split(',') } : {}),
        ...(d.platform !== undefined ? { platform: d.platform } : {}),
      };
      byManifest.set(d.digest, record);
    }
    const name = a[Annotation.refName];
    if (name === undefined) continue;
    record.names.push(name);
    const indexDigest = a[Annotation.indexDigest];
    if (indexDigest !== undefined) record.indexDigests[name] = indexDigest;
  }
  return [...byManifest.values()];
}

/** Descriptors for a record: one per name, or a single unnamed one for a dangling image. */
function descriptorsFor(record: ImageRecord): Descriptor[] {
  const base: Record<string, string> = {
    [Annotation.configDigest]: record.configDigest,
    [Annotation.pulled]: record.pulled,
    ...(record.signatures?.length ? { [Annotation.signatures]: record.signatures.join(',') } : {}),
  };
  const names = record.names.length > 0 ? record.names : [undefined];
  return names.map((name) => ({
    mediaType: record.manifestMediaType,
    digest: record.manifestDigest,
    size: record.manifestSize,
    ...(record.platform !== undefined ? { platform: record.platform } : {}),
    annotations:
      name === undefined
        ? base
        : {
            ...base,
            [Annotation.refName]: name,
            [Annotation.containerdName]: name,
            ...(record.indexDigests[name] !== undefined ? { [Annotation.indexDigest]: record.indexDigests[name] } : {}),
          },
  }));
}

/** index.json with the records replaced, keeping descriptors hoist did not write. */
export function indexWithRecords(index: IndexJson, records: readonly ImageRecord[]): IndexJson {
  const foreign = index.manifests.filter((d) => d.annotations?.[Annotation.configDigest] === undefined);
  return { ...index, schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [...foreign, ...records.flatMap(descriptorsFor)] };
}
