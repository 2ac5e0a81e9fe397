import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTempDir } from '../helpers/tmp.js';

/*
 * The conformance suite again, as an unprivileged user: setpriv drops to uid/gid 65534 with no
 * supplementary groups, and the same files assert the rootless behaviour where it differs (no
 * chown, override_stat, device placeholders, skipped xattrs), plus rootless-cases.js.
 */

const NOBODY = 65534;
const here = dirname(fileURLToPath(import.meta.url));
const FILES = [
  'breakouts-containerd.test.js',
  'breakouts-storage.test.js',
  'umoci-scoping.test.js',
  'changeset.test.js',
  'victim-harness.test.js',
  'rootless-cases.js',
].map((f) => join(here, f));

const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const skip = !hasSetpriv
  ? 'setpriv (util-linux) is not installed'
  : process.getuid?.() !== 0
    ? `switching to uid ${NOBODY} needs root; these files already ran as uid ${process.getuid?.()}`
    : false;

test(`the unpack conformance suite passes as uid ${NOBODY}`, { skip, timeout: 180_000 }, () =>
  withTempDir(async (dir) => {
    // HOME and TMPDIR are the unprivileged user's own: the scenes (stores, victims, targets) live there.
    const home = join(dir, 'home');
    const tmp = join(dir, 'tmp');
    for (const d of [dir, home, tmp]) {
      await mkdir(d, { recursive: true });
      await chown(d, NOBODY, NOBODY);
    }
    const env = { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, NODE_OPTIONS: '' };
    const args = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--test', '--test-reporter=tap', ...FILES];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile('setpriv', args, { env, cwd: home, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
    // Each failing test's report, up to its stack: enough to see what differed as uid 65534.
    const lines = stdout.split('\n');
    const failures = lines
      .flatMap((line, i) => (/^\s*not ok /.test(line) ? lines.slice(i, i + 16).filter((l) => !/^\s+(at |async |stack:)/.test(l)) : []))
      .slice(0, 400)
      .join('\n');
    assert.match(stdout, /^# pass [1-9]/m, `the spawned run ran tests\n${stderr}`);
    assert.equal(code, 0, `rootless run failed:\n${failures}\n${stderr.slice(-4000)}`);
    assert.match(stdout, /^# fail 0$/m);
  }),
);
