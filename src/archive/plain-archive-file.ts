import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { abortError, HoistError } from '../errors.js';
import { invalidArchive } from './archive-error.js';
import { detectCompression, MAGIC_BYTES } from './compression.js';

/** An uncompressed tar on disk, ready for positional reads. */
export interface PlainArchiveFile {
  /** The file to read: the archive itself, or a decompressed temp copy. */
  path: string;
  size: number;
  /** Removes the temp copy, if one was made. */
  remove(): Promise<void>;
}

export interface PlainArchiveOptions {
  /** Where a compressed archive is decompressed to (the store's tmp/, on the same filesystem). */
  tmpDir: string;
  signal?: AbortSignal;
}

/**
 * Checks that `path` is a readable regular file and returns it as an uncompressed tar: as is, or
 * (for `docker save | gzip`) decompressed once into `tmpDir`, since byte ranges cannot be served
 * from a gzip stream.
 */
export async function plainArchiveFile(path: string, options: PlainArchiveOptions): Promise<PlainArchiveFile> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new HoistError('SOURCE_NOT_FOUND', `${path}: no such file or directory`, { cause: err });
    throw new HoistError('INVALID_ARCHIVE', `cannot read archive ${path}: ${err.message}`, { cause: err });
  });
  let head: Buffer;
  let size: number;
  try {
    const info = await fh.stat();
    if (info.isDirectory()) {
      throw invalidArchive(path, 'it is a directory, not an archive file', 'for a directory, use the oci: or dir: transport');
    }
    if (!info.isFile()) throw invalidArchive(path, 'it is not a regular file');
    size = info.size;
    head = Buffer.alloc(MAGIC_BYTES);
    await fh.read(head, 0, MAGIC_BYTES, 0);
  } finally {
    await fh.close();
  }
  if (size === 0) throw invalidArchive(path, 'the file is empty');
  const compression = detectCompression(head);
  if (compression === 'none') return { path, size, remove: async () => undefined };
  if (compression !== 'gzip') {
    // Node 20's zlib has no zstd, and bzip2/xz archives are rare enough to ask for a plain one.
    throw invalidArchive(path, `the archive is ${compression}-compressed`, 'decompress it first; hoist reads plain and gzip-compressed archives');
  }
  return gunzipToTemp(path, options);
}

async function gunzipToTemp(path: string, options: PlainArchiveOptions): Promise<PlainArchiveFile> {
  // Our pid in the name, as the store names its temp files: a copy a killed pull left is then removed
  // by the next pull or rmi (store/tmp-files.ts).
  const tmp = join(options.tmpDir, `archive-${process.pid}-${randomBytes(6).toString('hex')}.tar`);
  const remove = () => rm(tmp, { force: true });
  try {
    const sink = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), createGunzip(), sink, options.signal ? { signal: options.signal } : {});
    return { path: tmp, size: sink.bytesWritten, remove };
  } catch (err) {
    await remove();
    if (options.signal?.aborted) throw abortError(options.signal);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // zlib's own codes (Z_DATA_ERROR, Z_BUF_ERROR on a cut-off stream) mean a corrupt archive; others are I/O.
    if (code.startsWith('Z_')) throw invalidArchive(path, `cannot decompress the gzip-compressed archive: ${(err as Error).message}`);
    throw err;
  }
}
