import { setMaxListeners } from 'node:events';

/**
 * Runs `tasks` with at most `limit` at once, in order of the array. The first failure aborts the
 * shared signal (so running tasks stop early) and is the one thrown.
 */
export async function runLimited(
  tasks: readonly ((signal: AbortSignal) => Promise<void>)[],
  limit: number,
  parent?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  // Every running task's streams listen on this one signal; more than Node's default of 10 is expected.
  setMaxListeners(0, controller.signal);
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++]!;
      try {
        await task(controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  } finally {
    parent?.removeEventListener('abort', onParentAbort);
  }
  if (failure !== undefined) throw parent?.aborted ? parent.reason : failure.error;
}
