import { setMaxListeners } from 'node:events';

/**
 * A task gets the shared abort signal, and `release` to give up its slot before it ends: the
 * copier releases once a blob is downloaded, so the next download starts while this one is
 * fsynced and renamed (an fsync waits for the disk, often far longer than the download).
 */
export type LimitedTask = (signal: AbortSignal, release: () => void) => Promise<void>;

/**
 * Runs `tasks` in order of the array, at most `limit` holding a slot at once. The first failure
 * aborts the shared signal (so running tasks stop early), starts no more, and is the one thrown.
 */
export async function runLimited(tasks: readonly LimitedTask[], limit: number, parent?: AbortSignal): Promise<void> {
  const controller = new AbortController();
  // Every running task listens on this one signal; more than Node's default of 10 is expected.
  setMaxListeners(0, controller.signal);
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  let failure: { error: unknown } | undefined;
  let holding = 0;
  let wake: (() => void) | undefined;
  const wakeLauncher = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const running: Promise<void>[] = [];
  try {
    for (let next = 0; next < tasks.length && failure === undefined; ) {
      if (holding >= Math.max(1, limit)) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const task = tasks[next++]!;
      holding++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        holding--;
        wakeLauncher();
      };
      running.push(
        task(controller.signal, release)
          .catch((error: unknown) => {
            failure ??= { error };
            controller.abort(error);
            wakeLauncher();
          })
          .finally(release),
      );
    }
    await Promise.all(running);
  } finally {
    parent?.removeEventListener('abort', onParentAbort);
  }
  if (failure !== undefined) throw parent?.aborted ? parent.reason : failure.error;
}

/**
 * `fn` over `items` with at most `limit` running at once, results in input order; the first
 * failure stops the others as runLimited does.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  parent?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const tasks = items.map(
    (item, i): LimitedTask =>
      async (signal) => {
        results[i] = await fn(item, signal);
      },
  );
  await runLimited(tasks, limit, parent);
  return results;
}
