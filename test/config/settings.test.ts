import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoistError } from '../../src/errors.js';
import { loadSettings, parseSettings, settingsFile } from '../../src/config/settings.js';

describe('hoist.toml settings', () => {
  it('reads the pull table', () => {
    const s = parseSettings('[pull]\npolicy = "newer"\nmax-parallel-downloads = 3\nretry = 0\n', 'h.toml');
    assert.equal(s.policy, 'newer');
    assert.equal(s.maxParallelDownloads, 3);
    assert.equal(s.retry, 0);
    assert.deepEqual(s.warnings, []);
  });

  it('reads the bounds of each range', () => {
    const s = parseSettings('[pull]\nmax-parallel-downloads = 256\nretry = 100\n', 'h.toml');
    assert.deepEqual([s.maxParallelDownloads, s.retry], [256, 100]);
    assert.equal(parseSettings('[pull]\nmax-parallel-downloads = 1\n', 'h.toml').maxParallelDownloads, 1);
  });

  it('takes a key named like an Object member for an unknown key', () => {
    assert.deepEqual(parseSettings('[pull]\ntoString = 1\n', 'h.toml').warnings, ['h.toml:2:1: pull.toString: unknown key, ignored']);
  });

  it('warns about unknown keys, naming file, line and column', () => {
    const s = parseSettings('color = true\n[pull]\nspeed = 9\n', 'h.toml');
    assert.deepEqual(s.warnings, ['h.toml:1:1: color: unknown key, ignored', 'h.toml:3:1: pull.speed: unknown key, ignored']);
  });

  const bad: [string, RegExp][] = [
    ['[pull]\nmax-parallel-downloads = 0\n', /^h\.toml:2:1: pull\.max-parallel-downloads: must be an integer from 1 to 256$/],
    ['[pull]\nretry = -1\n', /^h\.toml:2:1: pull\.retry: must be an integer from 0 to 100$/],
    // TOML reads 1e308 as a whole number; no setting may be that large.
    ['[pull]\nretry = 1e308\n', /^h\.toml:2:1: pull\.retry: must be an integer from 0 to 100$/],
    ['[pull]\nretry = 101\n', /^h\.toml:2:1: pull\.retry: must be an integer from 0 to 100$/],
    ['[pull]\n\nmax-parallel-downloads = 1e6\n', /^h\.toml:3:1: pull\.max-parallel-downloads: must be an integer from 1 to 256$/],
    ['[pull]\nmax-parallel-downloads = 257\n', /^h\.toml:2:1: pull\.max-parallel-downloads: must be an integer from 1 to 256$/],
    ['[pull]\npolicy = 3\n', /^h\.toml:2:1: pull\.policy: must be a string, not integer$/],
    ['pull = 1\n', /^h\.toml:1:1: pull: must be a table$/],
    ['[pull\n', /^h\.toml:1:\d+: /],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseSettings(text, 'h.toml'),
        (err: unknown) => isHoistError(err, 'INVALID_CONFIG') && message.test(err.message),
      );
    });
  }

  it('looks up HOIST_CONFIG, then the user file, then the system file, then the shipped one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-settings-'));
    try {
      const shipped = join(dir, 'shipped.toml');
      const system = join(dir, 'etc');
      const home = join(dir, 'home');
      const opts = { shippedFile: shipped, systemDir: system, env: { HOME: home } };
      assert.equal(await settingsFile(opts), shipped);
      await mkdir(system);
      await writeFile(join(system, 'hoist.toml'), '');
      assert.equal(await settingsFile(opts), join(system, 'hoist.toml'));
      await mkdir(join(home, '.config', 'hoist'), { recursive: true });
      await writeFile(join(home, '.config', 'hoist', 'hoist.toml'), '[pull]\npolicy = "missing"\n');
      assert.equal(await settingsFile(opts), join(home, '.config', 'hoist', 'hoist.toml'));
      assert.equal((await loadSettings(opts)).policy, 'missing');
      assert.equal(await settingsFile({ ...opts, env: { HOME: home, HOIST_CONFIG: '/x/only.toml' } }), '/x/only.toml');
      await assert.rejects(loadSettings({ ...opts, env: { HOIST_CONFIG: join(dir, 'missing.toml') } }), /reading hoist settings ".*missing\.toml"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
