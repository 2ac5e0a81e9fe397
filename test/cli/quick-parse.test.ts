import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globalOptions, type CommandSpec } from '../../src/cli/command-spec.js';
import { commands } from '../../src/cli/commands.js';
import { findCommand } from '../../src/cli/dispatch.js';
import { runProgram } from '../../src/cli/program.js';
import { quickParse } from '../../src/cli/quick-parse.js';

/** The real commands' tables (aliases included), with a handler that keeps what it is given instead of running. */
let received: Record<string, unknown> | undefined;
const specs = commands.map((spec): CommandSpec => ({ ...spec, handler: async (args) => void (received = args) }));

/** What yargs hands the command's handler for `argv`. */
async function viaYargs(argv: string[]): Promise<Record<string, unknown>> {
  received = undefined;
  await runProgram(argv, specs);
  assert.ok(received !== undefined, `yargs ran no command for ${argv.join(' ')}`);
  return received;
}

function viaFastPath(argv: string[]): { spec: CommandSpec; args: Record<string, unknown> | undefined } {
  const found = findCommand(argv, specs);
  assert.ok(found !== undefined, `no command in ${argv.join(' ')}`);
  return { spec: found.command, args: quickParse(found.command, found.argv) };
}

/** The values a handler reads: every declared option (as written and camelCased) and positional. */
function declared(spec: CommandSpec, args: Record<string, unknown>): Record<string, unknown> {
  const names = [...Object.keys(globalOptions), ...Object.keys(spec.options ?? {})];
  const keys = [...names, ...names.map((n) => n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())), ...Object.keys(spec.positionals ?? {})];
  return Object.fromEntries(keys.map((k) => [k, args[k]]));
}

const accepted = [
  ['pull', 'x'],
  ['pull', '-q', 'a', 'b', '--policy', 'missing'],
  ['--root', '/tmp/r', 'pull', '--tls-verify=false', 'x'],
  ['--log-level', 'debug', 'pull', 'x'],
  ['pull', 'x', '--log-level', 'error'],
  ['pull', '--no-tls-verify', 'x'],
  ['pull', '--tls-verify', 'x'],
  ['pull', '--max-parallel-downloads', '3', '--retry=0', '--retry-delay', '2s', 'x'],
  ['pull', '-a', '--creds', 'user:pa:ss', 'x'],
  ['pull', '--all-tags', '--progress', 'json', '--platform=linux/arm64/v8', 'x'],
  ['pull', '--arch', 'arm64', '--os', 'linux', '--variant', 'v8', 'x'],
  ['pull', '--authfile', '/a.json', '--cert-dir', '/certs', '--registries-conf', '/r.conf', '--alias-cache', '/c.conf', 'x'],
  ['pull', '5000', '0x10', '1e3'],
  ['pull', '--quiet=false', 'docker://quay.io/a/b:1'],
  ['images'],
  ['images', '-a', '--format', 'json'],
  ['images', 'stable', '-q', '--no-trunc', '--sort', 'size'],
  ['inspect', 'a', 'b'],
  ['rmi', '-f', 'a', 'b'],
  ['rmi', 'a'],
  ['rmi', '-a'],
  ['rmi', '--registries-conf', '/r.conf', '--alias-cache', '/c.conf', 'a'],
  ['image', 'rm', '-f', 'a'],
  ['image', 'ls', '-a'],
  ['image', 'list'],
  ['image', 'pull', '-q', 'x'],
  ['image', 'inspect', 'a', 'b'],
  ['image', 'tag', 'img', 't1'],
  ['image', 'exists', 'a'],
  ['--root', '/tmp/r', 'image', 'exists', '--registries-conf', '/r.conf', 'a'],
  ['image', 'prune'],
  ['image', 'prune', '-a', '-f'],
  ['inspect', '--registries-conf', '/r.conf', 'a'],
  ['tag', 'img', 't1', 't2'],
  ['resolve', 'fedora', '--format', 'json', '--registries-conf', '/r.conf'],
  ['events', '--format', 'json'],
];

for (const argv of accepted) {
  test(`the fast path parses \`${argv.join(' ')}\` as yargs does`, async () => {
    const { spec, args } = viaFastPath(argv);
    assert.ok(args !== undefined, 'the fast path declined it');
    assert.deepEqual(declared(spec, args), declared(spec, await viaYargs(argv)));
  });
}

const declined = [
  ['pull'],
  ['pull', '--bogus', 'x'],
  ['pull', '-z', 'x'],
  ['pull', '--progress', 'fancy', 'x'],
  ['pull', '--policy', 'always', '--policy', 'never', 'x'],
  ['pull', '--max-parallel-downloads', 'many', 'x'],
  ['pull', 'x', '--', '-y'],
  ['tag', 'img'],
  ['images', 'one', 'two'],
  ['image', 'exists'],
  ['image', 'exists', 'a', 'b'],
  ['image', 'prune', 'extra'],
  ['events', '--log-level', 'loud'],
  ['resolve', 'a', 'b'],
];

for (const argv of declined) {
  test(`the fast path leaves \`${argv.join(' ')}\` to yargs`, () => {
    assert.equal(viaFastPath(argv).args, undefined);
  });
}
