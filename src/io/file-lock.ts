export interface FileLockOptions {
  /** The lock itself: proper-lockfile's lock is a directory, created and removed atomically. */
  lockPath: string;
  /** How long a lock may go unrefreshed before another process may take it over (the holder refreshes every stale/2). */
  staleMs?: number;
  /** How patiently to wait for a holder: proper-lockfile's `retries` (attempts and backoff). */
  retries: { retries: number; factor?: number; minTimeout: number; maxTimeout: number };
}

/** Why `withFileLock` failed: the lock could not be taken, or was lost while `fn` ran. */
export class FileLockError extends Error {
  constructor(
    readonly phase: 'acquire' | 'lost',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Runs `fn` holding the lock on `target` (which need not exist yet). proper-lockfile is loaded on
 * first use: read-only commands never lock, and it (with graceful-fs patching fs) is a measurable
 * part of start-up. Its default reaction to a lost lock (for example after a long event-loop
 * stall) is to throw from a timer, an uncaught crash; here it is recorded and the operation fails
 * cleanly once `fn` returns.
 */
export async function withFileLock<T>(target: string, options: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  let compromised: Error | undefined;
  try {
    const { default: lockfile } = await import('proper-lockfile');
    release = await lockfile.lock(target, {
      lockfilePath: options.lockPath,
      realpath: false,
      ...(options.staleMs !== undefined ? { stale: options.staleMs } : {}),
      retries: options.retries,
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    throw new FileLockError('acquire', (err as Error).message, { cause: err });
  }
  try {
    const result = await fn();
    if (compromised !== undefined) throw new FileLockError('lost', compromised.message, { cause: compromised });
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
