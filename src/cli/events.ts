import { printable } from '../errors.js';
import type { CommandSpec } from './command-spec.js';
import { isJsonFormat, renderTemplate } from './format-option.js';
import { goTime } from './go-values.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface EventsArgs extends GlobalArgs {
  format: string;
}

/** One event as a template sees it: Podman's event fields (`Status` is pull or pull-error), then hoist's. */
function templateData(e: Record<string, unknown>) {
  return {
    ID: e.id ?? '',
    Name: e.resolved ?? '',
    Status: e.type,
    Time: goTime(e.time),
    Type: 'image',
    Input: e.input,
    Policy: e.policy,
    Result: e.result,
    Error: e.error ?? '',
  };
}

/** Podman's text form of an event, with hoist's details in the parentheses. */
function textLine(e: Record<string, unknown>): string {
  const details = `(input=${e.input}, policy=${e.policy}, result=${e.result}${e.error ? `, error=${e.error}` : ''})`;
  return [e.time, `image ${e.type}`, e.id ?? '', e.resolved, details].filter((f) => f !== '').join(' ');
}

export const eventsCommand: CommandSpec<EventsArgs> = {
  command: 'events',
  describe: 'Show the pull events recorded in the store',
  epilog: "Template fields: .ID .Name .Status .Time .Type (Podman's), .Input .Policy .Result .Error (hoist's).",
  options: { format: { type: 'string', default: 'text', describe: 'text, json (JSON lines), or a Go template run per event' } },
  async handler(args) {
    const store = await openStore(args);
    const events = await store.readEvents();
    if (args.format === 'text') {
      // One line per event: an error it recorded may quote a registry's line breaks.
      for (const e of events) writeStdout(printable(textLine(e)));
    } else if (isJsonFormat(args.format)) {
      for (const e of events) writeStdout(JSON.stringify(e));
    } else {
      const text = renderTemplate(args.format, events.map(templateData));
      if (text !== '') writeStdout(text);
    }
  },
};
