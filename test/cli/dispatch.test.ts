import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandSpec } from '../../src/cli/command-spec.js';
import { findCommand } from '../../src/cli/dispatch.js';

const handler = async () => undefined;
const commands: CommandSpec[] = [
  { command: 'pull <names..>', describe: '', handler },
  { command: 'images', describe: '', handler },
];
const found = (argv: string[]) => {
  const result = findCommand(argv, commands);
  return result === undefined ? undefined : { name: result.command.command, argv: result.argv };
};

test('finds the command after global options and removes its name', () => {
  assert.deepEqual(found(['pull', 'fedora']), { name: 'pull <names..>', argv: ['fedora'] });
  assert.deepEqual(found(['--root', '/s', '--log-level', 'debug', 'pull', '-q', 'images']), {
    name: 'pull <names..>',
    argv: ['--root', '/s', '--log-level', 'debug', '-q', 'images'],
  });
  assert.deepEqual(found(['images', '--all']), { name: 'images', argv: ['--all'] });
});

test('leaves help, version, unknown commands and unknown leading options to the full program', () => {
  for (const argv of [[], ['pull', '--help'], ['-h'], ['--version'], ['nope'], ['--root=/s', 'pull', 'x'], ['--bogus', 'pull']]) {
    assert.equal(findCommand(argv, commands), undefined, JSON.stringify(argv));
  }
});

test('a two-word name (image ls) is found as two arguments in a row, and removed', () => {
  const withAliases: CommandSpec[] = [
    { command: 'images', aliases: ['image ls', 'image list'], describe: '', handler },
    { command: 'image exists <image>', describe: '', handler },
  ];
  const at = (argv: string[]) => {
    const result = findCommand(argv, withAliases);
    return result === undefined ? undefined : { name: result.command.command, argv: result.argv };
  };
  assert.deepEqual(at(['--root', '/s', 'image', 'ls', '-a']), { name: 'images', argv: ['--root', '/s', '-a'] });
  assert.deepEqual(at(['image', 'list']), { name: 'images', argv: [] });
  assert.deepEqual(at(['image', 'exists', 'x']), { name: 'image exists <image>', argv: ['x'] });
  assert.equal(at(['image']), undefined);
  assert.equal(at(['image', 'bogus']), undefined);
  assert.equal(at(['image', '-a', 'ls']), undefined);
});
