import { HoistError } from '../errors.js';
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
  let release: () => Promise<void>;
  // proper-lockfile's default throws from a timer (an uncaught crash) when the lock is lost, e.g.
  // after a long event-loop stall; record it instead and fail this operation cleanly.
  let compromised: Error | undefined;
  try {
    // Loaded on first use: read-only commands and `--policy missing` never lock, and proper-lockfile
    // (with graceful-fs patching fs) is a measurable part of start-up.
    const { default: lockfile } = await import('proper-lockfile');
    release = await lockfile.lock(paths.root, {
      lockfilePath: paths.lock,
      stale: STALE_MS,
      realpath: false,
      onCompromised: (err) => {
        compromised = err;
      },
      // Enough patience to outlast a stale lock left by a killed process (~STALE_MS) several times.
      retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 250 },
    });
  } catch (err) {
    throw new HoistError('STORE_LOCKED', `cannot lock the image store ${paths.root}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const result = await fn();
    if (compromised !== undefined) {
      throw new HoistError('STORE_LOCKED', `lost the image store lock of ${paths.root} while updating it: ${compromised.message}`, { hint: 'run the command again' });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
