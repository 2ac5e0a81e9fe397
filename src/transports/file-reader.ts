import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { abortError, HoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { pumpFileRange } from '../io/file-range.js';
import { openRegularFile, readSmallFile, type FileFailureWording } from '../io/open-regular-file.js';

/**
 * Read access to the named files of a source (a directory, or a tar read in place), so layout
 * logic is written once for `oci:` and `oci-archive:`. Names are relative, `/`-separated.
 */
export interface SourceFiles {
  /** For messages: the path the user gave. */
  readonly location: string;
  /** A small file (index.json, a manifest), refused above `maxBytes` before it is read whole. */
  readSmall(name: string, maxBytes: number): Promise<Buffer>;
  /** Delivers the whole file into `sink`. */
  read(name: string, sink: ChunkSink, signal?: AbortSignal): Promise<void>;
  exists(name: string): Promise<boolean>;
}

/**
 * SourceFiles over a directory on disk. Every file is opened by openRegularFile: a FIFO or a
 * device where a file belongs is refused, never waited on.
 */
export class DirectoryFiles implements SourceFiles {
  constructor(readonly location: string) {}

  readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const path = join(this.location, name);
    return readSmallFile(path, maxBytes, sourceFileFailure(path));
  }

  async read(name: string, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    const path = join(this.location, name);
    const { handle, size } = await openRegularFile(path, sourceFileFailure(path));
    try {
      await pumpFileRange(handle, { start: 0, length: size }, sink, path, signal);
    } finally {
      await handle.close();
    }
  }

  /** Whether `name` is there at all; what it is, readSmall and read check when they open it. */
  async exists(name: string): Promise<boolean> {
    return stat(join(this.location, name)).then(
      () => true,
      () => false,
    );
  }
}

function sourceFileFailure(path: string): FileFailureWording {
  return (failure, cause) => {
    switch (failure.reason) {
      case 'missing':
        return new HoistError('SOURCE_NOT_FOUND', `${path}: no such file or directory`, { cause });
      case 'not-regular':
        return new HoistError('INVALID_SOURCE', `${path} is not a regular file (it is a ${failure.kind})`);
      case 'unreadable':
        return new HoistError('INVALID_SOURCE', `cannot read ${path}: ${failure.message}`, { cause });
      case 'too-large':
        return new HoistError(
          'INVALID_SOURCE',
          failure.size !== undefined
            ? `${path} is too large (${failure.size} bytes, at most ${failure.maxBytes})`
            : `${path} is too large (it grew past ${failure.maxBytes} bytes while being read)`,
        );
    }
  };
}
