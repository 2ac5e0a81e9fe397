import type { CommandSpec } from './command-spec.js';

/** Global options that take a value, so the value is not mistaken for the command name. */
const globalsWithValue = new Set(['--root', '--log-level']);

/**
 * The command an argument list names, with the name removed from the list, when it can run
 * directly; undefined when help or the version is asked for, or the name is no known command, so
 * the full program answers instead.
 */
export function findCommand(argv: readonly string[], commands: readonly CommandSpec[]): { command: CommandSpec; argv: string[] } | undefined {
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version')) return undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (globalsWithValue.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) return undefined; // an option before the command: let yargs judge it
    const command = commands.find((c) => c.command.split(' ')[0] === arg);
    return command === undefined ? undefined : { command, argv: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return undefined;
}
