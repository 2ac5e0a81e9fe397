import type { ImageSource } from '../source/image-source.js';

/** A source together with the facts the engine needs to name what it copies. */
export interface OpenedSource {
  source: ImageSource;
  /**
   * Full names (e.g. `docker.io/library/fedora:latest`) the pulled image should carry, as the
   * transport's naming rule gives them; empty when the image is to stay unnamed (known by ID).
   */
  names: string[];
}

export interface TransportContext {
  /** Scratch space on the store's filesystem (e.g. for decompressing an archive). */
  tmpDir: string;
  signal?: AbortSignal;
}

/** A transport that reads images from the local filesystem (everything but the registry). */
export interface LocalTransport {
  readonly name: string;
  /** The file or directory `reference` reads, as written (parsing only, no I/O): policy.json scopes match it. */
  path(reference: string): string;
  open(reference: string, context: TransportContext): Promise<OpenedSource>;
}
