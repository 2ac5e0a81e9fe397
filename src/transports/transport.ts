import type { OpenedSource } from './image-source.js';

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
