import type { SignatureStorage } from '../config/registries-d/types.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import type { Descriptor, Signature } from '../manifest/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import { fetchManifest, fetchSignatures, fetchTags, headManifest, readBlob, RegistryClient, type RegistrySourceOptions } from '../registry/index.js';
import type { BlobReadOptions, ImageSource, RawManifest } from '../source/image-source.js';

export type { RegistrySourceOptions } from '../registry/index.js';

/** Opening options of a registry source: how to reach it, and where its signatures live. */
export interface RegistrySourceOpenOptions extends RegistrySourceOptions {
  /**
   * registries.d's answer for this endpoint, or a function that reads it when signatures are first
   * asked for (so a policy that needs none never reads registries.d). Without it there are none.
   */
  signatureStorage?: SignatureStorage | (() => Promise<SignatureStorage>);
  /** Warnings met while reading signatures (a lookaside answering HTML); default: the debug log. */
  onWarning?: (message: string) => void;
}

/** Reads one image from a registry (`docker://…`): its manifest by tag or digest, and its blobs. */
class RegistrySource implements ImageSource {
  readonly description: string;
  readonly remote = true;
  readonly #client: RegistryClient;
  readonly #reference: string;
  readonly #signatureStorage: RegistrySourceOpenOptions['signatureStorage'];
  readonly #onWarning: RegistrySourceOpenOptions['onWarning'];

  constructor(client: RegistryClient, ref: ImageReference, options: RegistrySourceOpenOptions) {
    this.#client = client;
    this.#reference = ref.digest ?? ref.tag ?? 'latest';
    this.description = `docker://${formatReference(ref)}`;
    this.#signatureStorage = options.signatureStorage;
    this.#onWarning = options.onWarning;
  }

  getManifest(instanceDigest?: string, options: BlobReadOptions = {}): Promise<RawManifest> {
    return fetchManifest(this.#client, instanceDigest ?? this.#reference, options.signal);
  }

  readBlob(desc: Descriptor, sink: ChunkSink, options: BlobReadOptions = {}): Promise<void> {
    return readBlob(this.#client, desc, sink, options.signal, options.offset);
  }

  async getSignatures(manifestDigest: string, options: BlobReadOptions = {}): Promise<Signature[]> {
    const configured = this.#signatureStorage;
    if (configured === undefined) return [];
    const storage = typeof configured === 'function' ? await configured() : configured;
    return fetchSignatures(this.#client, manifestDigest, storage, options.signal, this.#onWarning !== undefined ? { onWarning: this.#onWarning } : {});
  }

  /** Connections belong to the process-wide pool, so there is nothing to release. */
  async close(): Promise<void> {}
}

/** Opens `ref` on its registry: endpoint, TLS, and the `/v2/` ping happen here. */
export async function openRegistrySource(ref: ImageReference, options: RegistrySourceOpenOptions = {}): Promise<ImageSource> {
  return new RegistrySource(await RegistryClient.open(ref.domain, ref.path, options), ref, options);
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
