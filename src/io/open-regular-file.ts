import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { readAtMost } from './read-at-most.js';

/** What a path that is not a regular file is, in words for messages. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}

// O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, in a thread-pool thread that
// nothing can interrupt (a process with such a thread does not even exit on SIGINT or SIGTERM), and
// opening a serial line can wait for a carrier. It changes nothing for a regular file.
// O_NOCTTY: a terminal opened here never becomes the process's controlling terminal.
export const READ_WITHOUT_WAITING = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Why a file could not be opened or read, for the caller to word: each file hoist reads (a source
 * file, policy.json, a key, a registries.d file) names its own error code, wording and hint.
 */
export type OpenFailure = { reason: 'missing' } | { reason: 'not-regular'; kind: string } | { reason: 'unreadable'; message: string; code?: string };

/** An open's failures, and a small file's: `size` from fstat, or none when it grew past the limit while read. */
export type FileFailure = OpenFailure | { reason: 'too-large'; maxBytes: number; size?: number };

export type OpenFailureWording = (failure: OpenFailure, cause?: unknown) => Error;
export type FileFailureWording = (failure: FileFailure, cause?: unknown) => Error;

/**
 * Opens `path` for reading if it is a regular file, and never waits doing so. It is checked with
 * stat first, so a FIFO or a device is not even opened (opening some devices has effects of its
 * own); the path could still be replaced between that stat and the open, so the open cannot block
 * either (O_NONBLOCK), and fstat decides on the file that was opened.
 */
export async function openRegularFile(path: string, fail: OpenFailureWording): Promise<{ handle: FileHandle; size: number }> {
  const stats = await stat(path).catch((err: unknown) => {
    throw fileSystemFailure(err, fail);
  });
  if (!stats.isFile()) throw fail({ reason: 'not-regular', kind: fileKind(stats) });
  const handle = await open(path, READ_WITHOUT_WAITING).catch((err: unknown) => {
    throw fileSystemFailure(err, fail);
  });
  let opened: Stats;
  try {
    opened = await handle.stat();
  } catch (err) {
    await handle.close();
    throw fileSystemFailure(err, fail);
  }
  if (!opened.isFile()) {
    await handle.close();
    throw fail({ reason: 'not-regular', kind: fileKind(opened) });
  }
  return { handle, size: opened.size };
}

/**
 * A failure of a file system call, in the caller's words: ENOENT is `missing`, anything else
 * (EACCES, ELOOP, a path Node refuses outright such as one holding a NUL byte) `unreadable`.
 */
function fileSystemFailure(err: unknown, fail: OpenFailureWording): Error {
  const { code, message } = err as NodeJS.ErrnoException;
  return fail(code === 'ENOENT' ? { reason: 'missing' } : { reason: 'unreadable', message: String(message), ...(code !== undefined ? { code } : {}) }, err);
}

/**
 * The whole of a small file hoist did not write (a manifest in a layout, policy.json, a key),
 * refused above `maxBytes` without being read whole: a huge file, one that grows while it is read,
 * or an endless one like /dev/zero costs at most `maxBytes` + 1 bytes.
 */
export async function readSmallFile(path: string, maxBytes: number, fail: FileFailureWording): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, fail);
  try {
    if (size > maxBytes) throw fail({ reason: 'too-large', maxBytes, size });
    const bytes = await readAtMost(handle, maxBytes).catch((err: unknown) => {
      throw fileSystemFailure(err, fail);
    });
    if (bytes === undefined) throw fail({ reason: 'too-large', maxBytes });
    return bytes;
  } finally {
    await handle.close();
  }
}

/** readSmallFile for a file that may be absent (a lookaside signature, a registries.d file gone since the listing). */
export async function readSmallFileIfPresent(
  path: string,
  maxBytes: number,
  fail: (failure: Exclude<FileFailure, { reason: 'missing' }>, cause?: unknown) => Error,
): Promise<Buffer | undefined> {
  const absent = new Error(`${path} is absent`);
  try {
    return await readSmallFile(path, maxBytes, (failure, cause) => (failure.reason === 'missing' ? absent : fail(failure, cause)));
  } catch (err) {
    if (err === absent) return undefined;
    throw err;
  }
}
