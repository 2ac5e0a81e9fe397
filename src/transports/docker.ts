import type { ChunkSink } from '../io/chunk-sink.js';
import type { Descriptor } from '../manifest/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import { fetchManifest, fetchTags, headManifest, readBlob, RegistryClient, type RegistrySourceOptions } from '../registry/index.js';
import type { BlobReadOptions, ImageSource, RawManifest } from './image-source.js';

export type { RegistrySourceOptions } from '../registry/index.js';

/** Reads one image from a registry (`docker://…`): its manifest by tag or digest, and its blobs. */
class RegistrySource implements ImageSource {
  readonly description: string;
  readonly #client: RegistryClient;
  readonly #reference: string;

  constructor(client: RegistryClient, ref: ImageReference) {
    this.#client = client;
    this.#reference = ref.digest ?? ref.tag ?? 'latest';
    this.description = `docker://${formatReference(ref)}`;
  }

  getManifest(instanceDigest?: string, options: BlobReadOptions = {}): Promise<RawManifest> {
    return fetchManifest(this.#client, instanceDigest ?? this.#reference, options.signal);
  }

  readBlob(desc: Descriptor, sink: ChunkSink, options: BlobReadOptions = {}): Promise<void> {
    return readBlob(this.#client, desc, sink, options.signal);
  }

  /** Connections belong to the process-wide pool, so there is nothing to release. */
  async close(): Promise<void> {}
}

/** Opens `ref` on its registry: endpoint, TLS, and the `/v2/` ping happen here. */
export async function openRegistrySource(ref: ImageReference, options: RegistrySourceOptions = {}): Promise<ImageSource> {
  return new RegistrySource(await RegistryClient.open(ref.domain, ref.path, options), ref);
}

/**
 * The digest the registry reports for `ref`'s manifest (HEAD, `Docker-Content-Digest`), for the
 * `newer` pull policy; undefined when the registry does not say.
 */
export async function headManifestDigest(ref: ImageReference, options: RegistrySourceOptions = {}): Promise<string | undefined> {
  const client = await RegistryClient.open(ref.domain, ref.path, options);
  return headManifest(client, ref.digest ?? ref.tag ?? 'latest');
}

/** Every tag of `ref`'s repository (for `--all-tags`), following pagination. */
export async function listTags(ref: ImageReference, options: RegistrySourceOptions & { pageSize?: number } = {}): Promise<string[]> {
  const client = await RegistryClient.open(ref.domain, ref.path, options);
  return fetchTags(client, options.pageSize);
}
