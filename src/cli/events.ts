import type { Argv, CommandModule } from 'yargs';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface EventsArgs extends GlobalArgs {
  format: 'text' | 'json';
}

export const eventsCommand: CommandModule<GlobalArgs, EventsArgs> = {
  command: 'events',
  describe: 'Show the pull events recorded in the store',
  builder: (y: Argv<GlobalArgs>) =>
    y.option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format: text lines or JSON lines' }) as unknown as Argv<EventsArgs>,
  handler: async (args) => {
    const store = await openStore(args);
    for (const e of await store.readEvents()) {
      if (args.format === 'json') writeStdout(JSON.stringify(e));
      else writeStdout([e.time, `image ${e.type}`, e.id ?? '', e.resolved, `(input=${e.input}, policy=${e.policy}, result=${e.result}${e.error ? `, error=${e.error}` : ''})`].filter((f) => f !== '').join(' '));
    }
  },
};
