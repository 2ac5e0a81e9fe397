import type { FileHandle } from 'node:fs/promises';
import { HoistError } from '../errors.js';
import { openRegularFile } from '../io/open-regular-file.js';
import { invalidArchive } from './archive-error.js';
import { detectCompression, MAGIC_BYTES } from './compression.js';
import { decompressionLimit, GunzipCopy } from './gunzip-copy.js';
import { fileBytes, type TarBytes } from './tar-bytes.js';

/** An uncompressed tar, open for positional reads. */
export interface PlainArchiveFile {
  /** The archive itself, or its decompressed temp copy. */
  handle: FileHandle;
  /** The same bytes, to read the entry table from (a copy is still being written meanwhile). */
  bytes: TarBytes;
  /** The entry table has been read: a copy stops decompressing, as nothing after the tar's end is read. */
  complete(): Promise<void>;
  /** Closes the file and removes the temp copy, if one was made. Safe to call more than once. */
  close(): Promise<void>;
}

export interface PlainArchiveOptions {
  /** Where a compressed archive is decompressed to (the store's tmp/, on the same filesystem). */
  tmpDir: string;
  signal?: AbortSignal;
}

/**
 * Opens `path`, which must be a regular file (a FIFO or a device is refused, never waited on), as
 * an uncompressed tar: as is, or (for `docker save | gzip`) decompressed into `tmpDir`, since byte
 * ranges cannot be served from a gzip stream.
 */
export async function plainArchiveFile(path: string, options: PlainArchiveOptions): Promise<PlainArchiveFile> {
  const { handle, size } = await openRegularFile(path, (failure, cause) => {
    switch (failure.reason) {
      case 'missing':
        return new HoistError('SOURCE_NOT_FOUND', `${path}: no such file or directory`, { cause });
      case 'not-regular':
        return failure.kind === 'directory'
          ? invalidArchive(path, 'it is a directory, not an archive file', 'for a directory, use the oci: or dir: transport')
          : invalidArchive(path, `it is a ${failure.kind}, not a regular file`);
      case 'unreadable':
        return new HoistError('INVALID_ARCHIVE', `cannot read ${path}: ${failure.message}`, { cause });
    }
  });
  try {
    if (size === 0) throw invalidArchive(path, 'the file is empty');
    const head = Buffer.alloc(MAGIC_BYTES);
    await handle.read(head, 0, MAGIC_BYTES, 0);
    const compression = detectCompression(head);
    if (compression === 'none') return { handle, bytes: fileBytes(handle, size), complete: async () => undefined, close: () => handle.close() };
    if (compression !== 'gzip') {
      // Node 20's zlib has no zstd, and bzip2/xz archives are rare enough to ask for a plain one.
      throw invalidArchive(path, `the archive is ${compression}-compressed`, 'decompress it first; hoist reads plain and gzip-compressed archives');
    }
    const limit = await decompressionLimit(options.tmpDir);
    const copy = await GunzipCopy.start(handle, { archivePath: path, tmpDir: options.tmpDir, limit, ...(options.signal ? { signal: options.signal } : {}) });
    return {
      handle: copy.handle,
      bytes: copy,
      complete: () => copy.stop(),
      close: async () => {
        await copy.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
