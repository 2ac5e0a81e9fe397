import type { ChunkSink } from '../io/chunk-sink.js';
import type { Descriptor, Signature } from '../manifest/index.js';

/** A manifest or index as a source holds it: the exact bytes (digests are over them) and type. */
export interface RawManifest {
  bytes: Buffer;
  /** The media type the source claims (HTTP Content-Type, descriptor mediaType, …). */
  mediaType: string;
  /**
   * The digest the source names `bytes` by: the one it was asked for, or one it computed. The
   * copier checks the bytes against it, since it becomes the record's manifest digest.
   */
  digest: string;
}

export interface PinnedManifest {
  digest: string;
  size?: number;
  declaredBy?: string;
}

export interface BlobReadOptions {
  signal?: AbortSignal;
  /** Start at this byte (only asked of sources that resume blobs); the sink gets the rest. */
  offset?: number;
}

/**
 * What every transport yields: one image to copy, read-only. Transports know how to read their kind
 * of source and nothing else: no policies, naming, storage or output (DESIGN.md).
 */
export interface ImageSource {
  /** `transport:reference` as the user would write it, for messages. */
  readonly description: string;
  /**
   * True for a source whose bytes cross a network (a registry). Its readBlob honours `offset`
   * (HTTP Range), so the store continues a partial blob a killed or cut-off download left, and a
   * blob that failed its digest is fetched once more. A local file would give the same bad bytes
   * again, and reading it afresh costs no more than hashing a partial copy.
   */
  readonly remote?: boolean;
  /**
   * The manifest the name pins, when it pins one (`repo@sha256:…`, a layout's index.json entry):
   * the copier checks the top-level manifest against it. `declaredBy` is what declares the size,
   * as messages name it (`index.json's entry for`).
   */
  readonly pinned?: PinnedManifest;
  /**
   * The top-level manifest (may be an index). With `instanceDigest`, that instance of the index.
   * `digest` is the digest of the bytes as the source computed it; the copier checks every
   * manifest against its digest, the pinned one and the index entry it came from, so a source
   * need not.
   */
  getManifest(instanceDigest?: string, options?: BlobReadOptions): Promise<RawManifest>;
  /**
   * Delivers the blob's bytes into `sink`, exactly `desc.size` of them, and resolves after the
   * last. A source that can resume (HTTP Range) does so inside; the store's sink hashes and
   * verifies whatever arrives, so a source need not.
   */
  readBlob(desc: Descriptor, sink: ChunkSink, options?: BlobReadOptions): Promise<void>;
  /**
   * The signatures of manifest `digest` (an instance digest for an index), where this kind of
   * source has them; sources without signatures omit it.
   */
  getSignatures?(digest: string, options?: BlobReadOptions): Promise<Signature[]>;
  /** Releases files, temp copies and connections. Safe to call more than once. */
  close(): Promise<void>;
}
