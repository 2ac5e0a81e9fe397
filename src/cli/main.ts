import { commands } from './commands.js';
import { complete } from './completion.js';
import { findCommand } from './dispatch.js';
import { EXIT_ERROR, printError, setLogLevel, writeStdout, type LogLevel } from './output.js';
import { packageVersion } from '../config/shipped.js';
import { quickParse } from './quick-parse.js';

/**
 * The whole command line, as the `hoist` bin runs it (cli/bin.ts, through the compiled bundle of
 * this module: cli/cli-bundle.ts): a failure is printed as one `Error:` line and sets exit status
 * 125; nothing is thrown.
 */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (err) {
    printError(err);
    process.exitCode = EXIT_ERROR;
  }
}

async function main(argv: string[]): Promise<void> {
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
