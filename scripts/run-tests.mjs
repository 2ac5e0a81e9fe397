#!/usr/bin/env node
// Runs every compiled test file with Node's test runner. Listing the files ourselves keeps this
// independent of how each Node version expands directories or globs given to `node --test`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../.test-build/test', import.meta.url).pathname;
const only = process.argv.slice(2);

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = findTests(root)
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
// `node --test` given no file runs every test it can find, so a filter that matches nothing would
// silently run the whole suite.
if (files.length === 0) {
  console.error(`Error: no test file matches ${only.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
