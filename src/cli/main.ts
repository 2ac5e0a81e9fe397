#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { packageVersion } from '../config/shipped.js';
import { HoistError } from '../errors.js';
import { eventsCommand } from './events.js';
import { imagesCommand } from './images.js';
import { inspectCommand } from './inspect.js';
import { EXIT_ERROR, logLevels, printError, setLogLevel, type LogLevel } from './output.js';
import { pullCommand } from './pull.js';
import { resolveCommand } from './resolve.js';
import { rmiCommand } from './rmi.js';
import type { GlobalArgs } from './store-option.js';
import { tagCommand } from './tag.js';


export async function main(argv: string[]): Promise<void> {
  const program = yargs(argv)
    .scriptName('hoist')
    .usage('$0 [--root DIR] [--log-level LEVEL] COMMAND\n\nA daemonless, Podman-style container image pull engine.')
    .option('root', { type: 'string', describe: 'image store directory (default: $HOIST_ROOT, /var/lib/hoist as root, else $XDG_DATA_HOME/hoist)' })
    .option('log-level', { choices: logLevels, default: 'warn' as LogLevel, describe: 'logging level; debug shows debug logs and stack traces' })
    .middleware((args) => setLogLevel(args['log-level'] as LogLevel))
    .command(pullCommand as never)
    .command(imagesCommand as never)
    .command(inspectCommand as never)
    .command(rmiCommand as never)
    .command(tagCommand as never)
    .command(resolveCommand as never)
    .command(eventsCommand as never)
    .demandCommand(1, 'a command is required; see hoist --help')
    .strict()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, err) => {
      throw err ?? new HoistError('INVALID_ARGUMENT', message);
    });
  await program.parseAsync() as GlobalArgs;
}

main(hideBin(process.argv)).catch((err: unknown) => {
  printError(err);
  process.exitCode = EXIT_ERROR;
});
