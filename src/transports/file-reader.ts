import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { abortError, HoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { pumpFileRange } from '../io/file-range.js';

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

/** SourceFiles over a directory on disk. */
export class DirectoryFiles implements SourceFiles {
  constructor(readonly location: string) {}

  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const path = join(this.location, name);
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw missingFile(path, err);
    });
    try {
      const { size, isFile } = await fh.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
      if (!isFile) throw new HoistError('INVALID_SOURCE', `${path} is not a regular file`);
      if (size > maxBytes) throw new HoistError('INVALID_SOURCE', `${path} is too large (${size} bytes, at most ${maxBytes})`);
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async read(name: string, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    const path = join(this.location, name);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw missingFile(path, err);
    });
    if (!info.isFile()) throw new HoistError('INVALID_SOURCE', `${path} is not a regular file`);
    await pumpFileRange(path, { start: 0, length: info.size }, sink, path, signal);
  }

  async exists(name: string): Promise<boolean> {
    return open(join(this.location, name), 'r').then((fh) => fh.close().then(() => true), () => false);
  }
}

function missingFile(path: string, err: NodeJS.ErrnoException): HoistError {
  return err.code === 'ENOENT'
    ? new HoistError('SOURCE_NOT_FOUND', `${path}: no such file or directory`, { cause: err })
    : new HoistError('INVALID_SOURCE', `cannot read ${path}: ${err.message}`, { cause: err });
}
