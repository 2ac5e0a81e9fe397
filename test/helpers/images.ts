import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeTar } from './tar.js';

/** Test fixture images, built from scratch: small deterministic layers, real digests. */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Blob {
  digest: string;
  size: number;
  mediaType: string;
  data: Buffer;
}

export interface FixtureImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  /** Layer tars before compression, in order (their digests are the diffIDs). */
  diffIds: string[];
  /** ID hoist and Podman report: the config digest hex. */
  id: string;
  /** Every blob by digest, manifest included. */
  blobs: Map<string, Blob>;
}

export interface FixtureOptions {
  /** Files per layer: each layer is one tar with these files. Default: two small layers. */
  layers?: Record<string, string | Buffer>[];
  os?: string;
  architecture?: string;
  variant?: string;
  /** 'oci' (default) or 'docker' (v2s2 media types). */
  format?: 'oci' | 'docker';
  /** Leave layers uncompressed (as docker-archive does). */
  uncompressed?: boolean;
  labels?: Record<string, string>;
  created?: string;
}

export function blobOf(data: Buffer | string, mediaType: string): Blob {
  const buf = Buffer.from(data);
  return { digest: sha256(buf), size: buf.length, mediaType, data: buf };
}

export function buildImage(options: FixtureOptions = {}): FixtureImage {
  const docker = options.format === 'docker';
  const files = options.layers ?? [{ 'etc/hello.txt': 'hello from hoist\n' }, { 'usr/share/doc/readme': 'a second layer\n' }];
  const tars = files.map((layer) => makeTar(Object.entries(layer).map(([name, data]) => ({ name, data }))));
  const layerType = options.uncompressed
    ? docker
      ? 'application/vnd.docker.image.rootfs.diff.tar'
      : 'application/vnd.oci.image.layer.v1.tar'
    : docker
      ? DOCKER_LAYER_GZIP
      : OCI_LAYER_GZIP;
  const layers = tars.map((tar) => blobOf(options.uncompressed ? tar : gzipSync(tar, { level: 6 }), layerType));
  const diffIds = tars.map((t) => sha256(t));
  const configDoc = {
    created: options.created ?? '2024-01-02T03:04:05Z',
    architecture: options.architecture ?? 'amd64',
    os: options.os ?? 'linux',
    ...(options.variant ? { variant: options.variant } : {}),
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'], Labels: options.labels ?? { 'org.example.fixture': 'yes' } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: tars.map(() => ({ created: '2024-01-02T03:04:05Z', created_by: 'hoist test fixture' })),
  };
  const config = blobOf(JSON.stringify(configDoc), docker ? DOCKER_CONFIG : OCI_CONFIG);
  const manifest = manifestOf(config, layers, docker ? DOCKER_MANIFEST : OCI_MANIFEST);
  const blobs = new Map([manifest, config, ...layers].map((b) => [b.digest, b]));
  return { manifest, config, layers, diffIds, id: config.digest.slice(7), blobs };
}

/** The image manifest (OCI's, or Docker's v2s2 with DOCKER_MANIFEST) of a config and its layers. */
export function manifestOf(config: Blob, layers: readonly Blob[], mediaType: string = OCI_MANIFEST): Blob {
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return blobOf(JSON.stringify(doc), mediaType);
}

export interface FixtureIndex {
  index: Blob;
  images: FixtureImage[];
}

/** A multi-platform index over images (each built with its own os/architecture/variant). */
export function buildIndex(images: FixtureImage[], format: 'oci' | 'docker' = 'oci'): FixtureIndex {
  const doc = {
    schemaVersion: 2,
    mediaType: format === 'docker' ? DOCKER_LIST : OCI_INDEX,
    manifests: images.map((img) => {
      const config = JSON.parse(img.config.data.toString()) as { os: string; architecture: string; variant?: string };
      return {
        mediaType: img.manifest.mediaType,
        digest: img.manifest.digest,
        size: img.manifest.size,
        platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) },
      };
    }),
  };
  return { index: blobOf(JSON.stringify(doc), doc.mediaType), images };
}

async function writeBlobs(dir: string, blobs: Iterable<Blob>): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of blobs) await writeFile(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.data);
}

export interface LayoutEntry {
  /** The top-level blob (manifest or index) the layout's index.json points at. */
  top: Blob;
  /** org.opencontainers.image.ref.name, if any. */
  refName?: string;
  annotations?: Record<string, string>;
}

/** Writes an OCI image layout holding the given images/indexes. */
export async function writeOciLayout(dir: string, entries: LayoutEntry[], blobs: Iterable<Blob>): Promise<void> {
  await writeBlobs(dir, blobs);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({
      mediaType: e.top.mediaType,
      digest: e.top.digest,
      size: e.top.size,
      ...(e.refName !== undefined || e.annotations !== undefined
        ? { annotations: { ...(e.refName !== undefined ? { 'org.opencontainers.image.ref.name': e.refName } : {}), ...e.annotations } }
        : {}),
    })),
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

/** Writes skopeo's `dir:` format: manifest.json, blobs named by hex digest, version. */
export async function writeDirImage(dir: string, image: FixtureImage): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), image.manifest.data);
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  for (const b of [image.config, ...image.layers]) await writeFile(join(dir, b.digest.slice(7)), b.data);
}
