/**
 * Where a blob's bytes go, in order. Sources hand over views of buffers they reuse, so a chunk is
 * only valid until the sink returns, or until the promise it returns settles: a sink that keeps
 * bytes longer copies them. A returned promise is also backpressure: the source slows down until
 * it settles (a double-buffering source may hand over one more chunk, from its other buffer,
 * meanwhile).
 */
export type ChunkSink = (chunk: Buffer) => void | Promise<void>;
