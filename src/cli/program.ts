import yargs, { type Argv, type CommandModule } from 'yargs';
import { packageVersion } from '../config/shipped.js';
import { HoistError } from '../errors.js';
import { globalOptions, PARSER_CONFIGURATION, type CommandSpec } from './command-spec.js';
import { commandNames, findCommand } from './dispatch.js';
import { setLogLevel, type LogLevel } from './output.js';

/** The options every command takes, and the behaviour shared by all (errors, help, version). */
function program(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('hoist')
    .usage('$0 [--root DIR] [--log-level LEVEL] COMMAND\n\nA daemonless, Podman-style container image pull engine.')
    .options(globalOptions)
    .parserConfiguration(PARSER_CONFIGURATION)
    .middleware((args) => setLogLevel(args['log-level'] as LogLevel))
    .strict()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, err) => {
      throw err ?? new HoistError('INVALID_ARGUMENT', message);
    });
}

function yargsCommand(spec: CommandSpec, command = spec.command, aliases: readonly string[] = []): CommandModule {
  return {
    command,
    aliases: [...aliases],
    describe: spec.describe,
    builder: (y) => {
      for (const [name, positional] of Object.entries(spec.positionals ?? {})) y.positional(name, positional);
      if (spec.epilog !== undefined) y.epilog(spec.epilog);
      return y.options(spec.options ?? {});
    },
    handler: (args) => spec.handler(args),
  };
}

/** The command string with its name (one or two words) replaced by `name`. */
function renamed(spec: CommandSpec, name: string): string {
  return [name, ...spec.command.split(' ').filter((w) => /^[<[]/.test(w))].join(' ');
}

/**
 * The top-level commands, and `image` holding its subcommands (`image ls`, `image rm`, …): each
 * command under every name it has, as Podman's `podman image` group does.
 */
function commandTree(commands: readonly CommandSpec[]): CommandModule[] {
  const top = commands.filter((spec) => commandNames(spec)[0]!.length === 1).map((spec) => yargsCommand(spec));
  const inImage = commands.flatMap((spec) => {
    const names = commandNames(spec)
      .filter((words) => words.length === 2 && words[0] === 'image')
      .map((words) => words[1]!);
    return names.length === 0 ? [] : [yargsCommand(spec, renamed(spec, names[0]!), names.slice(1))];
  });
  const image: CommandModule = {
    command: 'image',
    describe: 'Manage images (podman image …)',
    builder: (y) => y.command(inImage).demandCommand(1, 'an image command is required; see hoist image --help'),
    handler: () => undefined,
  };
  return [...top, image];
}

/** Runs `argv` through yargs: help, the version, and every argument list the fast path declined. */
export async function runProgram(argv: string[], commands: readonly CommandSpec[]): Promise<void> {
  const found = findCommand(argv, commands);
  if (found !== undefined) {
    // The one command named, run as yargs' default command: yargs then skips rebuilding the help
    // text of every option on each run (cacheHelpMessage), 20–35 ms.
    await program(found.argv)
      .command(yargsCommand(found.command, renamed(found.command, '$0')))
      .parseAsync();
    return;
  }
  await program(argv).command(commandTree(commands)).demandCommand(1, 'a command is required; see hoist --help').parseAsync();
}
