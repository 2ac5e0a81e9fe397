#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { packageVersion } from '../config/shipped.js';
import { HoistError } from '../errors.js';
import { findCommand } from './dispatch.js';
import { eventsCommand } from './events.js';
import { imagesCommand } from './images.js';
import { inspectCommand } from './inspect.js';
import { EXIT_ERROR, logLevels, printError, setLogLevel, type LogLevel } from './output.js';
import { pullCommand } from './pull.js';
import { resolveCommand } from './resolve.js';
import { rmiCommand } from './rmi.js';
import { tagCommand } from './tag.js';

// undici parses HTTP with a WebAssembly build of llhttp, which V8 compiles twice: at once with its
// baseline compiler, then again, in the background, with its optimizing one. A CLI run parses a few
// small responses (blob bodies bypass undici: registry/bulk-get.ts), so the second compile is pure
// cost: `hoist pull --policy always` of an unchanged image took 0.34 s and peaked at 99 MiB RSS
// with it, 0.26 s and 64 MiB without (node --liftoff-only, 3 runs each). Only this process's flags
// change; the library leaves its host's V8 alone.
setFlagsFromString('--liftoff-only');

const commands = [pullCommand, imagesCommand, inspectCommand, rmiCommand, tagCommand, resolveCommand, eventsCommand] as unknown as CommandModule[];

/** The options every command takes, and the behaviour shared by all (errors, help, version). */
function program(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('hoist')
    .usage('$0 [--root DIR] [--log-level LEVEL] COMMAND\n\nA daemonless, Podman-style container image pull engine.')
    .option('root', { type: 'string', describe: 'image store directory (default: $HOIST_ROOT, /var/lib/hoist as root, else $XDG_DATA_HOME/hoist)' })
    .option('log-level', { choices: logLevels, default: 'warn' as LogLevel, describe: 'logging level; debug shows debug logs and stack traces' })
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

export async function main(argv: string[]): Promise<void> {
  const found = findCommand(argv, commands);
  if (found !== undefined) {
    // The one command named, run as yargs' default command: yargs then skips rebuilding the help
    // text of every option on each run (cacheHelpMessage), 20–35 ms of every command's start-up.
    await program(found.argv).command({ ...found.command, command: found.command.command!.toString().replace(/^\S+/, '$0') }).parseAsync();
    return;
  }
  // Help, version, or a command yargs should explain: the full program.
  await program(argv)
    .command(commands)
    .demandCommand(1, 'a command is required; see hoist --help')
    .parseAsync();
}

main(hideBin(process.argv)).catch((err: unknown) => {
  printError(err);
  process.exitCode = EXIT_ERROR;
});
