import { HoistError } from '../errors.js';

const exitStatus: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Turns SIGINT/SIGTERM into an abort of the running operation, so downloads stop, temp files are
 * removed and nothing is committed; then exits 130/143 as a shell expects.
 */
export async function runInterruptible<T>(fn: (signal: AbortSignal) => Promise<T>, what = 'pull'): Promise<T> {
  const controller = new AbortController();
  let received: string | undefined;
  const handlers = Object.keys(exitStatus).map((sig) => {
    const handler = () => {
      if (received !== undefined) process.exit(exitStatus[sig]); // second signal: leave at once
      received = sig;
      controller.abort(new HoistError('ABORTED', `interrupted by ${sig}`));
    };
    process.on(sig, handler);
    return () => process.off(sig, handler);
  });
  try {
    return await fn(controller.signal);
  } catch (err) {
    if (received !== undefined) {
      process.stderr.write(`Error: ${what} interrupted by ${received}\n`);
      process.exit(exitStatus[received]);
    }
    throw err;
  } finally {
    handlers.forEach((off) => off());
  }
}
