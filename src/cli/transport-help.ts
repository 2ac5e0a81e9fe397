import { transportPrefix, transports } from '../transports/index.js';

/** What `hoist pull` reads, for its one-line description: `registry, docker-archive:, …`. */
export const pulledFrom = transports.map((t) => (t.kind === 'registry' ? 'registry' : transportPrefix(t.name))).join(', ');

/** `hoist pull --help`'s closing list: every transport's syntax and what it reads, from the table. */
export function transportHelp(): string {
  const rows = transports.map((t) => [t.help.syntax.join(', '), t.help.source] as const);
  const width = Math.max(...rows.map(([syntax]) => syntax.length));
  return ['Transports:', ...rows.map(([syntax, source]) => `  ${syntax.padEnd(width)}  ${source}`)].join('\n');
}
