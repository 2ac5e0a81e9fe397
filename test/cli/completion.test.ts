import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliPath, run, runHoist } from '../helpers/cli.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

// Completion through the bundled CLI, and in a real bash: the script sourced, the line typed as
// COMP_LINE, the function run, COMPREPLY read back.

let work: string;
let root: string;
before(async () => {
  work = await makeTempDir();
  root = join(work, 'store');
  const pulled = await runHoist(['--root', root, 'pull', '-q', 'oci:examples/hello:1.0']);
  assert.equal(pulled.status, 0, pulled.stderr);
});
after(() => removeDir(work));

async function candidates(...words: string[]): Promise<string[]> {
  const result = await runHoist(['__complete', ...words]);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean);
}

test('commands, flags, choices and known option values complete', async () => {
  assert.ok((await candidates('')).includes('pull'));
  assert.deepEqual(await candidates('r'), ['rmi', 'resolve']);
  assert.deepEqual(await candidates('pull', '--pol'), ['--policy']);
  assert.deepEqual(await candidates('pull', '--policy', ''), ['always', 'missing', 'newer', 'never']);
  assert.deepEqual(await candidates('pull', '--policy=ne'), ['--policy=newer', '--policy=never']);
  assert.deepEqual(await candidates('pull', '--progress', ''), ['auto', 'tty', 'plain', 'json']);
  assert.deepEqual(await candidates('completion', ''), ['bash', 'zsh', 'fish']);
  assert.deepEqual(await candidates('pull', 'oci'), ['oci:', 'oci-archive:']);
});

test('image arguments complete with the stored names and short IDs, without creating a store', async () => {
  assert.deepEqual(await candidates('--root', root, 'rmi', 'local'), ['localhost/hello:1.0']);
  const all = await candidates('--root', root, 'inspect', '');
  assert.equal(all.length, 2);
  assert.match(all[1]!, /^[0-9a-f]{12}$/);
  const none = join(work, 'no-store');
  assert.deepEqual(await candidates('--root', none, 'rmi', ''), []);
  assert.equal((await run('test', ['-e', none])).status, 1, 'completion created a store');
});

test('the bash script completes in a real bash, words with ":" and "=" included', async () => {
  const complete = async (line: string) => {
    const script = [
      `hoist() { ${process.execPath} ${cliPath} "$@"; }`,
      `source <(hoist completion bash)`,
      `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
      '_hoist',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const result = await run('bash', ['-c', script]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split('\n').filter(Boolean);
  };
  assert.deepEqual(await complete('hoist pull --policy=m'), ['missing']);
  assert.deepEqual(await complete(`hoist --root ${root} rmi localhost/hel`), ['localhost/hello:1.0']);
  // bash replaces only what follows the last ":" of the word.
  assert.deepEqual(await complete(`hoist --root ${root} rmi localhost/hello:`), ['1.0']);
  assert.deepEqual(await complete('hoist ins'), ['inspect']);
});

const absent = (shell: string) => (spawnSync(shell, ['--version']).status === 0 ? undefined : `${shell} is not installed here`);

test('the fish script completes in a real fish', { skip: absent('fish') }, async () => {
  const complete = async (line: string) => {
    const script = [`function hoist; ${process.execPath} ${cliPath} $argv; end`, 'hoist completion fish | source', `complete -C ${JSON.stringify(line)}`].join(
      '\n',
    );
    const result = await run('fish', ['--no-config', '-c', script]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);
  };
  // fish sorts what it offers.
  assert.deepEqual(await complete('hoist pull --policy '), ['always', 'missing', 'never', 'newer']);
  assert.deepEqual(await complete(`hoist --root ${root} rmi localhost/`), ['localhost/hello:1.0']);
});

test('the zsh script completes in a real zsh (compadd and compdef stood in for, outside a completion widget)', { skip: absent('zsh') }, async () => {
  const complete = async (...words: string[]) => {
    const script = [
      `hoist() { ${process.execPath} ${cliPath} "$@"; }`,
      'compdef() { :; }',
      'compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2}; }',
      'eval "$(hoist completion zsh)"',
      `words=(hoist ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}`,
      '_hoist',
    ].join('\n');
    const result = await run('zsh', ['-f', '-c', script]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split('\n').filter(Boolean);
  };
  assert.deepEqual(await complete('pull', '--policy=ne'), ['--policy=newer', '--policy=never']);
  assert.deepEqual(await complete('--root', root, 'inspect', 'local'), ['localhost/hello:1.0']);
});
