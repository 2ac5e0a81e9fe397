import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The selector runs in a child process on a real pseudo-terminal (python3's pty module), driven
// by keystrokes; the child reports the choice and whether raw mode was restored.
const runner = fileURLToPath(new URL('../../../test/shortnames/fixtures/pty-run.py', import.meta.url));
const promptModule = new URL('../../src/shortnames/prompt.js', import.meta.url).href;
const hasPython = spawnSync('python3', ['--version']).status === 0;

const ITEMS = ['registry.fedoraproject.org/fedora:latest', 'quay.io/fedora:latest', 'docker.io/library/fedora:latest'];

const KEY = { up: '\x1b[A', down: '\x1b[B', enter: '\r', ctrlC: '\x03' };

function runPrompt(keys: string[]): { status: number | null; output: string } {
  const child = `
    import { selectItem } from ${JSON.stringify(promptModule)};
    try {
      const index = await selectItem(${JSON.stringify(ITEMS)}, { input: process.stdin, output: process.stdout });
      process.stdout.write('CHOSEN=' + index + ' RAW=' + process.stdin.isRaw + '\\n');
    } catch (err) {
      process.stdout.write('ERROR=' + err.code + ' RAW=' + process.stdin.isRaw + '\\n');
    }
  `;
  const result = spawnSync('python3', [runner, process.execPath, '--input-type=module', '-e', child], {
    env: { ...process.env, PTY_KEYS: keys.map((key) => Buffer.from(key).toString('hex')).join(',') },
    encoding: 'utf8',
    timeout: 40_000,
  });
  // Escape sequences (cursor moves, clearing) are dropped to compare the visible text.
  return { status: result.status, output: result.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

describe('the short-name prompt on a pseudo-terminal', () => {
  it('has python3 to provide the pseudo-terminal (.ci/run installs it)', () => assert.ok(hasPython, 'python3 is required for the PTY tests'));
  it('shows the list with the marker on the first item', () => {
    const { output } = runPrompt([KEY.enter]);
    assert.match(output, /\? Please select an image: \r?\n {2}▸ registry\.fedoraproject\.org\/fedora:latest\r?\n {4}quay\.io\/fedora:latest/);
    assert.match(output, /CHOSEN=0 RAW=false/);
  });

  it('arrow down + Enter picks the second', () => {
    const { status, output } = runPrompt([KEY.down, KEY.enter]);
    assert.equal(status, 0);
    assert.match(output, /✔ quay\.io\/fedora:latest/);
    assert.match(output, /CHOSEN=1 RAW=false/);
  });

  it('the marker stops at both ends', () => {
    assert.match(runPrompt([KEY.up, KEY.enter]).output, /CHOSEN=0 /);
    assert.match(runPrompt([KEY.down, KEY.down, KEY.down, KEY.down, KEY.enter]).output, /CHOSEN=2 /);
    assert.match(runPrompt([KEY.down, KEY.down, KEY.up, KEY.enter]).output, /CHOSEN=1 /);
  });

  it('Ctrl-C aborts with ABORTED and restores the terminal', () => {
    const { status, output } = runPrompt([KEY.down, KEY.ctrlC]);
    assert.equal(status, 0);
    assert.match(output, /ERROR=ABORTED RAW=false/);
    assert.doesNotMatch(output, /CHOSEN/);
  });
});
