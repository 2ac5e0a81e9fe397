import { HoistError } from '../errors.js';
import { FileLockError, withFileLock } from '../io/file-lock.js';
import type { StorePaths } from './layout.js';

/**
 * How long a lock may go without its holder refreshing it before another process may take it over.
 * The holder refreshes every stale/2, so a live holder never loses it; a killed one blocks others
 * for at most this long.
 */
const STALE_MS = 5_000;

/**
 * Runs `fn` holding the store lock. The lock guards every read-modify-write of the image records
 * and is held for milliseconds, never during a download.
 */
export async function withStoreLock<T>(paths: StorePaths, fn: () => Promise<T>): Promise<T> {
  const options = {
    lockPath: paths.lock,
    staleMs: STALE_MS,
    // Enough patience to outlast a stale lock left by a killed process (~STALE_MS) several times.
    retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 250 },
  };
  try {
    return await withFileLock(paths.root, options, fn);
  } catch (err) {
    if (!(err instanceof FileLockError)) throw err;
    if (err.phase === 'acquire') throw new HoistError('STORE_LOCKED', `cannot lock the image store ${paths.root}: ${err.message}`, { cause: err });
    throw new HoistError('STORE_LOCKED', `lost the image store lock of ${paths.root} while updating it: ${err.message}`, {
      hint: 'run the command again',
      cause: err,
    });
  }
}
