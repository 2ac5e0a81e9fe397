import type { RegistriesConf } from '../config/registries/index.js';
import type { SignatureStorage } from '../config/registries-d/types.js';
import type { Warning } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { watchSink } from '../io/watched-sink.js';
import type { Descriptor, Signature } from '../manifest/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import { fetchManifest, fetchSignatures, fetchTags, headManifest, readBlob, RegistryClient, type RegistrySourceOptions } from '../registry/index.js';
import type { BlobReadOptions, ImageSource, PinnedManifest, RawManifest } from '../source/image-source.js';
import type { AccessOptions } from './registry-access.js';
import { endpointLabel, RegistryEndpoints, Walk, type Endpoint } from './registry-endpoints.js';

export type { RegistrySourceOptions } from '../registry/index.js';
export { filePingCache } from '../registry/ping-cache.js';

/** What a registry source does besides reading: where signatures live, and whom to warn. */
export interface RegistryImageOptions {
  /**
   * registries.d's answer for an endpoint, as a function that reads it when signatures are first
   * asked for (so a policy that needs none never reads registries.d). Without it there are none.
   */
  signatureStorage?: (endpoint: ImageReference) => () => Promise<SignatureStorage>;
  /** Warnings: an endpoint given up part-way, a lookaside answering HTML; default: the debug log. */
  onWarning?: (warning: Warning) => void;
  /** Blobs will be read (no complete copy of the image is stored): connections for them are opened while the manifest is fetched. */
  blobsExpected?: boolean;
}

/** A registry image as the copier reads it, and which endpoint served its manifest. */
export interface RegistryImageSource extends ImageSource {
  /** The mirror or primary location whose manifest this is; its signatures are the image's. */
  readonly endpoint: ImageReference;
}

/** The tag or digest of `ref`, as it goes into `/v2/<name>/manifests/<reference>`. */
function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/**
 * Reads one image from a registry (`docker://…`) through its endpoints. The manifest comes from
 * the first endpoint that serves it, as containers/image's docker transport chooses; blobs and the
 * instances of an index are read from that endpoint too. When one of those reads fails there
 * (after the registry client's own retries and resumes), it goes on at the next endpoint from the
 * byte it had reached, and the reads started afterwards begin there; containers/image would fail
 * the pull instead. They are asked for by digest and verified, so any endpoint's bytes do, and
 * nothing delivered is asked for again. Signatures belong to the endpoint whose manifest they sign.
 */
class RegistryImage implements RegistryImageSource {
  readonly description: string;
  readonly remote = true;
  readonly endpoint: ImageReference;
  readonly #endpoints: RegistryEndpoints;
  readonly #walk: Walk;
  /** The manifest the walk fetched when it chose the endpoint: the first getManifest() costs no request. */
  #fetched: RawManifest | undefined;
  readonly #served: RegistryClient;
  readonly #options: RegistryImageOptions;

  private constructor(
    endpoints: RegistryEndpoints,
    walk: Walk,
    served: { client: RegistryClient; endpoint: Endpoint; top: RawManifest },
    options: RegistryImageOptions,
  ) {
    this.#endpoints = endpoints;
    this.#walk = walk;
    this.#fetched = served.top;
    this.#served = served.client;
    this.endpoint = served.endpoint.source.reference;
    this.description = `docker://${formatReference(this.endpoint)}`;
    this.#options = options;
  }

  /** A name by digest pins the manifest; the copier checks the bytes against it. */
  get pinned(): PinnedManifest | undefined {
    return this.endpoint.digest === undefined ? undefined : { digest: this.endpoint.digest };
  }

  static async open(endpoints: RegistryEndpoints, options: RegistryImageOptions): Promise<RegistryImage> {
    const walk = new Walk();
    const served = await endpoints.walk(walk, async (client, endpoint) => {
      if (options.blobsExpected) client.warmBlobConnections();
      return { client, endpoint, top: await fetchManifest(client, manifestReference(endpoint.source.reference)) };
    });
    return new RegistryImage(endpoints, walk, served, options);
  }

  async getManifest(instanceDigest?: string, options: BlobReadOptions = {}): Promise<RawManifest> {
    // The top-level manifest comes from the chosen endpoint only: another could name another image by the tag.
    if (instanceDigest === undefined) {
      const fetched = this.#fetched;
      this.#fetched = undefined;
      return fetched ?? fetchManifest(this.#served, manifestReference(this.endpoint), options.signal);
    }
    return this.#endpoints.walk(this.#walk, (client) => fetchManifest(client, instanceDigest, options.signal), this.#walkOptions(options.signal));
  }

  async readBlob(desc: Descriptor, sink: ChunkSink, options: BlobReadOptions = {}): Promise<void> {
    // The sink's own failures (a full disk, a blob running past its size) are the store's verdict;
    // a digest mismatch is found after the read, and the copier's one refetch comes back here.
    const watched = watchSink(sink);
    const start = options.offset ?? 0;
    await this.#endpoints.walk(this.#walk, (client) => readBlob(client, desc, watched.sink, options.signal, start + watched.bytes), {
      ...this.#walkOptions(options.signal),
      isOwnFailure: () => watched.failure !== undefined,
    });
  }

  async getSignatures(manifestDigest: string, options: BlobReadOptions = {}): Promise<Signature[]> {
    const storage = this.#options.signatureStorage?.(this.endpoint);
    if (storage === undefined) return [];
    const { onWarning } = this.#options;
    return fetchSignatures(this.#served, manifestDigest, await storage(), options.signal, onWarning !== undefined ? { onWarning } : {});
  }

  /** Connections belong to the process-wide pool, so there is nothing to release. */
  async close(): Promise<void> {}

  #walkOptions(signal: AbortSignal | undefined) {
    return {
      ...(signal !== undefined ? { signal } : {}),
      onFallOver: (from: Endpoint, error: Error, to: Endpoint) =>
        this.#options.onWarning?.({
          code: 'ENDPOINT_FALLBACK',
          message: `${endpointLabel(from)}: ${error.message}; reading the rest of the image from ${endpointLabel(to)}`,
        }),
    };
  }
}

/**
 * One image's (or repository's) way into its registry: its endpoints, and the three things asked
 * of them (the image, its digest for `newer`, the tags for `--all-tags`), each walking the
 * endpoints the same way.
 */
export interface RegistryOpener {
  /** The image as a source, from the first endpoint that serves its manifest. */
  open(options?: RegistryImageOptions): Promise<RegistryImageSource>;
  /** The digest the manifest now has (HEAD, `Docker-Content-Digest`), from the first endpoint that tells; undefined when none does. */
  manifestDigest(): Promise<string | undefined>;
  /** Every tag of the repository, following pagination (`?n=pageSize`), from the first endpoint that lists them. */
  tags(pageSize?: number): Promise<string[]>;
  /** Pings the first endpoint now, not waiting for the answer, for an open() that may follow (RegistryClient.warm). */
  warm(): void;
}

function opener(endpoints: RegistryEndpoints): RegistryOpener {
  return {
    open: (options = {}) => RegistryImage.open(endpoints, options),
    manifestDigest: async () => {
      const walk = new Walk();
      try {
        return await endpoints.walk(walk, async (client, endpoint) => {
          const digest = await headManifest(client, manifestReference(endpoint.source.reference));
          if (digest === undefined) throw new Error(`${endpointLabel(endpoint)} sent no Docker-Content-Digest`);
          return digest;
        });
      } catch (err) {
        // An abort is an answer; endpoints that failed or did not say leave the question open.
        if (!endpoints.exhausted(walk)) throw err;
        return undefined;
      }
    },
    tags: (pageSize) => endpoints.walk(new Walk(), (client) => fetchTags(client, pageSize)),
    warm: () => {
      const first = endpoints.list[0];
      if (first !== undefined) RegistryClient.warm(first.source.reference.domain, first.options);
    },
  };
}

/** `ref` through the endpoints registries.conf gives it (mirrors, then the primary), each connected as `access` and accessFor say. */
export function registryImage(ref: ImageReference, conf: RegistriesConf, access: AccessOptions): RegistryOpener {
  return opener(RegistryEndpoints.forImage(ref, conf, access));
}

/** `ref` on its own registry alone, with these connection options (no registries.conf). */
export function registryEndpoint(ref: ImageReference, options: RegistrySourceOptions = {}): RegistryOpener {
  return opener(RegistryEndpoints.only(ref, options));
}
