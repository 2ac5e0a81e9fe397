import createDebug from 'debug';
import type { PullContext } from './pull-context.js';

const debug = createDebug('hoist:engine');

export interface PullEventFields {
  input: string;
  resolved: string;
  result: 'pulled' | 'up-to-date' | 'present' | 'error';
  id?: string;
  error?: string;
}

/** Appends a `pull` / `pull-error` record to the store's events log; a failure to log never fails a pull. */
export async function logPullEvent(ctx: PullContext, fields: PullEventFields): Promise<void> {
  const event = { time: new Date().toISOString(), type: fields.result === 'error' ? 'pull-error' : 'pull', policy: ctx.policy, ...fields };
  await ctx.store.appendEvent(event).catch((err: Error) => debug('cannot append to the events log: %s', err.message));
}
