import type { ChunkSink } from './chunk-sink.js';

/** A sink as a source that recovers from its own failures sees it: see watchSink. */
export interface WatchedSink {
  readonly sink: ChunkSink;
  /** Bytes handed to the sink so far: where a resumed read starts. */
  readonly bytes: number;
  /** Set once the sink itself threw or its promise rejected. */
  readonly failure: { error: unknown } | undefined;
}

/**
 * `sink`, counting what it is handed and remembering whether it failed itself. A source that
 * recovers from its own failures (a resumed download, another registry endpoint) must not recover
 * from the sink's: a full disk or a blob running past its size ends the read at once.
 */
export function watchSink(sink: ChunkSink): WatchedSink {
  let bytes = 0;
  let failure: { error: unknown } | undefined;
  const failed = (error: unknown) => {
    failure = { error };
    throw error;
  };
  return {
    sink: (chunk) => {
      bytes += chunk.length;
      try {
        return sink(chunk)?.catch(failed);
      } catch (error) {
        return failed(error);
      }
    },
    get bytes() {
      return bytes;
    },
    get failure() {
      return failure;
    },
  };
}
