import type { CommandSpec } from './command-spec.js';

/** Global options that take a value, so the value is not mistaken for the command name. */
const globalsWithValue = new Set(['--root', '--log-level']);

/** Every name a command answers to, each as its words: `images`, `image ls`, `image list`. */
export function commandNames(spec: CommandSpec): string[][] {
  return [spec.command.split(' ').filter((w) => !/^[<[]/.test(w)), ...(spec.aliases ?? []).map((a) => a.split(' '))];
}

/**
 * The command an argument list names, with the name removed from the list, when it can run
 * directly; undefined when help or the version is asked for, or the name is no known command, so
 * the full program answers instead. A name of two words (`image ls`) is two arguments in a row.
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
    for (const command of commands) {
      const name = commandNames(command).find((words) => words.every((word, j) => argv[i + j] === word));
      if (name !== undefined) return { command, argv: [...argv.slice(0, i), ...argv.slice(i + name.length)] };
    }
    return undefined;
  }
  return undefined;
}
