import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { abortError, HoistError } from '../errors.js';

/**
 * Read access to the named files of a source (a directory, or a tar read in place), so layout
 * logic is written once for `oci:` and `oci-archive:`. Names are relative, `/`-separated.
 */
export interface SourceFiles {
  /** For messages: the path the user gave. */
  readonly location: string;
  /** A small file (index.json, a manifest), refused above `maxBytes` before it is read whole. */
  readSmall(name: string, maxBytes: number): Promise<Buffer>;
  /** The file as a stream. */
  stream(name: string, signal?: AbortSignal): Promise<Readable>;
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

  async stream(name: string, signal?: AbortSignal): Promise<Readable> {
    if (signal?.aborted) throw abortError(signal);
    const path = join(this.location, name);
    // Open first so a missing blob is a clear error here, not a stream error later.
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw missingFile(path, err);
    });
    // No signal on the stream itself: an abort before the consumer attaches would be an unhandled
    // 'error'. The consumer's pipeline, which has the signal, destroys the stream on abort.
    return createReadStream('', { fd: fh, highWaterMark: 1 << 20 });
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
