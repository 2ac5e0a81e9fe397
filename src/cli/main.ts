#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import type { CommandSpec } from './command-spec.js';
import { findCommand } from './dispatch.js';
import { eventsCommand } from './events.js';
import { imageExistsCommand } from './image-exists.js';
import { imagePruneCommand } from './image-prune.js';
import { imagesCommand } from './images.js';
import { inspectCommand } from './inspect.js';
import { EXIT_ERROR, printError, setLogLevel, type LogLevel } from './output.js';
import { pullCommand } from './pull.js';
import { quickParse } from './quick-parse.js';
import { resolveCommand } from './resolve.js';
import { rmiCommand } from './rmi.js';
import { tagCommand } from './tag.js';
import { trustCommand } from './trust.js';
import { verifyCommand } from './verify.js';

// undici parses HTTP with a WebAssembly build of llhttp, which V8 compiles twice: at once with its
// baseline compiler, then again, in the background, with its optimizing one. A CLI run parses a few
// small responses (blob bodies bypass undici: http1/bulk-get.ts), so the second compile is pure
// cost: `hoist pull --policy always` of an unchanged image took 0.34 s and peaked at 99 MiB RSS
// with it, 0.26 s and 64 MiB without (node --liftoff-only, 3 runs each). Only this process's flags
// change; the library leaves its host's V8 alone.
setFlagsFromString('--liftoff-only');

// Podman's `image` group names the same commands (`image ls` is `images`); `image exists` and
// `image prune` have no short form, in Podman either.
const commands = [
  { ...pullCommand, aliases: ['image pull'] },
  { ...imagesCommand, aliases: ['image ls', 'image list'] },
  { ...inspectCommand, aliases: ['image inspect'] },
  { ...rmiCommand, aliases: ['image rm'] },
  { ...tagCommand, aliases: ['image tag'] },
  imageExistsCommand,
  imagePruneCommand,
  resolveCommand,
  eventsCommand,
  trustCommand,
  verifyCommand,
] as unknown as CommandSpec[];

export async function main(argv: string[]): Promise<void> {
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
