#!/usr/bin/env node
// The `hoist` command: the CLI bundle beside this file, compiled with its code cache (cli-bundle.ts).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliExports, loadCli } from './cli-bundle.js';
import { EXIT_ERROR } from './exit-status.js';

const dir = dirname(fileURLToPath(import.meta.url));
let cli: CliExports;
try {
  ({ cli } = loadCli(dir));
} catch (err) {
  // A bundle missing or unreadable (an installation cut short), or one that fails as it loads:
  // one line, as every other failure, not Node's stack trace.
  process.stderr.write(
    `Error: hoist's CLI in ${dir} cannot be loaded: ${(err as Error).message.split('\n')[0]}\nHint: reinstall hoist (in a checkout, \`npm ci\` builds dist/)\n`,
  );
  process.exit(EXIT_ERROR);
}
await cli.runCli(process.argv.slice(2));
