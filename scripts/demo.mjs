#!/usr/bin/env node
// `npm run demo`: pulls the example OCI layout into a temporary store with the real CLI, lists
// it, and removes the store. Works offline.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'dist', 'bin', 'hoist.mjs');
const root = mkdtempSync(join(tmpdir(), 'hoist-demo-'));

function hoist(...args) {
  process.stderr.write(`\n$ hoist --root ${root} ${args.join(' ')}\n`);
  execFileSync(process.execPath, [cli, '--root', root, ...args], { cwd: repo, stdio: 'inherit' });
}

try {
  hoist('pull', 'oci:examples/hello:1.0');
  hoist('images');
  hoist('pull', 'oci:examples/hello:1.0');
} finally {
  rmSync(root, { recursive: true, force: true });
}
