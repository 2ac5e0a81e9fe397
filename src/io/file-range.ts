import type { FileHandle } from 'node:fs/promises';
import { abortError, HoistError } from '../errors.js';
import type { ChunkSink } from './chunk-sink.js';

/** Large enough that a read, a hash update and a write each cost little per byte. */
const CHUNK = 1 << 20;

export interface FileRange {
  /** First byte. */
  start: number;
  /** Bytes to deliver, exactly. */
  length: number;
}

/**
 * Delivers `length` bytes of the open file `fh` from `start` into `sink`, through two buffers used
 * in turn: the next read runs while the sink hashes and writes the last one, and nothing is
 * allocated per chunk (a stream would allocate a buffer for every read, all garbage). A file that
 * ends early (it changed under us) is an error naming `what`. The caller opens and closes `fh`
 * (see openRegularFile), so the file read is the one it checked; reads are positional, so one
 * handle serves any number of ranges at once.
 */
export async function pumpFileRange(fh: FileHandle, range: FileRange, sink: ChunkSink, what: string, signal?: AbortSignal): Promise<void> {
  if (range.length === 0) return;
  const size = Math.min(CHUNK, range.length);
  const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  // What the sink still holds of each buffer: it is refilled only once that has settled. A failure
  // is kept (not left unhandled while the other buffer is read) and thrown at the next step.
  const held: (Promise<void> | undefined)[] = [undefined, undefined];
  let failure: { error: unknown } | undefined;
  const hold = (result: void | Promise<void>) =>
    result === undefined
      ? undefined
      : result.catch((error: unknown) => {
          failure ??= { error };
        });
  const end = range.start + range.length;
  const readInto = async (i: number, position: number): Promise<number> => {
    await held[i];
    if (failure !== undefined) throw failure.error;
    const { bytesRead } = await fh.read(buffers[i]!, 0, Math.min(size, end - position), position);
    return bytesRead;
  };
  let position = range.start;
  let pending: Promise<number> | undefined = readInto(0, position);
  try {
    for (let i = 0; pending !== undefined; i ^= 1) {
      const bytesRead = await pending;
      pending = undefined;
      if (bytesRead === 0)
        throw new HoistError(
          'INVALID_SOURCE',
          `${what} was cut short at byte ${position - range.start} of ${range.length} (the file changed while being read)`,
        );
      if (signal?.aborted) throw abortError(signal);
      position += bytesRead;
      if (position < end) pending = readInto(i ^ 1, position);
      held[i] = hold(sink(buffers[i]!.subarray(0, bytesRead)));
    }
    await Promise.all(held);
    if (failure !== undefined) throw failure.error;
  } finally {
    // A read still running when the sink failed must finish before the caller may close the file.
    await pending?.catch(() => undefined);
    await Promise.all(held);
  }
}
