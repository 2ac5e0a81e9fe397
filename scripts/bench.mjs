#!/usr/bin/env node
// `npm run bench [-- --quick]`: builds the CLI that is measured (dist/) and the benchmark itself
// (bench/ compiles with the tests into .test-build/, as it reuses their registry helpers), then runs it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run([tsc, '-p', 'tsconfig.json']);
run([tsc, '-p', 'tsconfig.test.json']);
run(['.test-build/bench/main.js', ...process.argv.slice(2)]);
