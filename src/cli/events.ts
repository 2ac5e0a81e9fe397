import { printable } from '../errors.js';
import type { CommandSpec } from './command-spec.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface EventsArgs extends GlobalArgs {
  format: 'text' | 'json';
}

export const eventsCommand: CommandSpec<EventsArgs> = {
  command: 'events',
  describe: 'Show the pull events recorded in the store',
  options: { format: { choices: ['text', 'json'], default: 'text', describe: 'output format: text lines or JSON lines' } },
  async handler(args) {
    const store = await openStore(args);
    for (const e of await store.readEvents()) {
      if (args.format === 'json') writeStdout(JSON.stringify(e));
      // One line per event: an error it recorded may quote a registry's line breaks.
      else
        writeStdout(
          printable(
            [
              e.time,
              `image ${e.type}`,
              e.id ?? '',
              e.resolved,
              `(input=${e.input}, policy=${e.policy}, result=${e.result}${e.error ? `, error=${e.error}` : ''})`,
            ]
              .filter((f) => f !== '')
              .join(' '),
          ),
        );
    }
  },
};
