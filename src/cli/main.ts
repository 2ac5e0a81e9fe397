#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { commands } from './commands.js';
import { complete } from './completion.js';
import { findCommand } from './dispatch.js';
import { EXIT_ERROR, printError, setLogLevel, writeStdout, type LogLevel } from './output.js';
import { packageVersion } from '../config/shipped.js';
import { quickParse } from './quick-parse.js';

// undici parses HTTP with a WebAssembly build of llhttp, which V8 compiles twice: at once with its
// baseline compiler, then again, in the background, with its optimizing one. A CLI run parses a few
// small responses (blob bodies bypass undici: http1/bulk-get.ts), so the second compile is pure
// cost: `hoist pull --policy always` of an unchanged image took 0.34 s and peaked at 99 MiB RSS
// with it, 0.26 s and 64 MiB without (node --liftoff-only, 3 runs each). Only this process's flags
// change; the library leaves its host's V8 alone.
setFlagsFromString('--liftoff-only');

export async function main(argv: string[]): Promise<void> {
  // The completion scripts' question, kept out of the command list so that help never shows it.
  if (argv[0] === '__complete') return complete(argv.slice(1), commands);
  // As `podman --version` and `podman -v`.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return writeStdout(`hoist version ${packageVersion()}`);
  const found = findCommand(argv, commands);
  const args = found === undefined ? undefined : quickParse(found.command, found.argv);
  if (found !== undefined && args !== undefined) {
    setLogLevel(args['log-level'] as LogLevel);
    await found.command.handler(args);
    return;
  }
  // Help, the version, an unknown command, or arguments to explain: yargs, loaded only now.
  const { runProgram } = await import('./program.js');
  await runProgram(argv, commands);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  printError(err);
  process.exitCode = EXIT_ERROR;
});
