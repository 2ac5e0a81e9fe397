import type { ChunkSink } from '../../src/io/chunk-sink.js';

/** A reader (as ImageSource.readBlob and store.writeBlob take them) delivering `parts` in order, honouring the sink's backpressure. */
export function deliver(parts: Iterable<Buffer>): (sink: ChunkSink) => Promise<void> {
  return async (sink) => {
    for (const part of parts) await sink(part);
  };
}

/** Everything a reader delivers, copied as it arrives (sinks get views of buffers the reader reuses). */
export async function collect(read: (sink: ChunkSink) => Promise<void>): Promise<Buffer> {
  const parts: Buffer[] = [];
  await read((chunk) => void parts.push(Buffer.from(chunk)));
  return Buffer.concat(parts);
}
