#!/usr/bin/env node
// The `hoist` command: the CLI bundle beside this file, compiled with its code cache (cli-bundle.ts).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCli } from './cli-bundle.js';

await loadCli(dirname(fileURLToPath(import.meta.url))).cli.runCli(process.argv.slice(2));
