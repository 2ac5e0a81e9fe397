#!/usr/bin/env node
// `npm run demo`: the engine at work on the example shipped in the repo, offline, with the real CLI
// and a temporary store (removed at the end): a copy from an OCI layout, the store listed, a second
// copy that finds every blob stored, a short name resolved without pulling, and a `--policy
// missing` pull that the store answers without any request.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'dist', 'bin', 'hoist.mjs');
const root = mkdtempSync(join(tmpdir(), 'hoist-demo-'));

function say(text) {
  process.stderr.write(`\n# ${text}\n`);
}

function hoist(...args) {
  process.stderr.write(`$ hoist --root ${root} ${args.join(' ')}\n`);
  execFileSync(process.execPath, [cli, '--root', root, ...args], { cwd: repo, stdio: 'inherit' });
}

try {
  say('Copy the example image from its OCI layout into the store: its blobs are streamed and verified.');
  hoist('pull', 'oci:examples/hello:1.0');
  hoist('images');
  say('The same pull again: every blob is already stored, so nothing is copied twice.');
  hoist('pull', 'oci:examples/hello:1.0');
  say('How a short name would resolve (aliases, search registries, short-name mode), without pulling.');
  hoist('resolve', '--registries-conf', 'conf/registries.conf', 'fedora');
  say('A registry name with --policy missing: the store has it, so no registry is asked (no "Trying to pull" line).');
  hoist('pull', '--policy', 'missing', '--registries-conf', 'conf/registries.conf', 'localhost/hello:1.0');
} finally {
  rmSync(root, { recursive: true, force: true });
}
