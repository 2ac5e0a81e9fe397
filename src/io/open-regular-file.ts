import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { HoistError, type ErrorCode } from '../errors.js';

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

export interface OpenRegularFileErrors {
  /** The error for a path that is something else (`kind` from fileKind). */
  notRegular(kind: string): HoistError;
  /** The code of the error for a file that cannot be opened for another reason than being absent. */
  unreadable: ErrorCode;
}

/**
 * Opens `path` for reading if it is a regular file, and never waits doing so. It is checked with
 * stat first, so a FIFO or a device is not even opened (opening some devices has effects of its
 * own); the path could still be replaced between that stat and the open, so the open cannot block
 * either (O_NONBLOCK), and fstat decides on the file that was opened. A missing file is
 * SOURCE_NOT_FOUND; anything but a regular file, `errors.notRegular`.
 */
export async function openRegularFile(path: string, errors: OpenRegularFileErrors): Promise<{ handle: FileHandle; size: number }> {
  const refuseUnlessRegular = (stats: Stats) => {
    if (!stats.isFile()) throw errors.notRegular(fileKind(stats));
  };
  try {
    refuseUnlessRegular(await stat(path));
    const handle = await open(path, READ_WITHOUT_WAITING);
    try {
      const stats = await handle.stat();
      refuseUnlessRegular(stats);
      return { handle, size: stats.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  } catch (err) {
    if (err instanceof HoistError) throw err;
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new HoistError('SOURCE_NOT_FOUND', `${path}: no such file or directory`, { cause: err });
    throw new HoistError(errors.unreadable, `cannot read ${path}: ${message}`, { cause: err });
  }
}
