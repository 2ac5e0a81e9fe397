import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { aliasCachePath, readAliasCache, recordAlias } from '../../src/shortnames/index.js';

let root: string;
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hoist-alias-cache-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('aliasCachePath', () => {
  const cases: [name: string, opts: Parameters<typeof aliasCachePath>[0], expected: string][] = [
    ['--alias-cache wins', { file: '/flag.conf', env: { HOIST_ALIAS_CACHE: '/env.conf' }, uid: 0 }, '/flag.conf'],
    ['then HOIST_ALIAS_CACHE', { env: { HOIST_ALIAS_CACHE: '/env.conf', HOME: '/home/u' }, uid: 0 }, '/env.conf'],
    ['root: /var/cache', { env: { HOME: '/root', XDG_CACHE_HOME: '/x' }, uid: 0 }, '/var/cache/containers/short-name-aliases.conf'],
    [
      'user: $XDG_CACHE_HOME',
      { env: { HOME: '/home/u', XDG_CACHE_HOME: '/home/u/.xdg-cache' }, uid: 1000 },
      '/home/u/.xdg-cache/containers/short-name-aliases.conf',
    ],
    ['user: ~/.cache', { env: { HOME: '/home/u' }, uid: 1000 }, '/home/u/.cache/containers/short-name-aliases.conf'],
  ];
  for (const [name, opts, expected] of cases) {
    it(name, () => assert.equal(aliasCachePath(opts), expected));
  }
});

describe('readAliasCache', () => {
  it('a missing file is an empty cache', async () => {
    assert.equal((await readAliasCache(join(freshDir(), 'none.conf'))).size, 0);
  });

  it("reads containers/image's format, keeping erased entries", async () => {
    const dir = freshDir();
    await mkdir(dir);
    const file = join(dir, 'short-name-aliases.conf');
    await writeFile(file, '[aliases]\n  fedora = "registry.fedoraproject.org/fedora"\n  "library/alpine" = "docker.io/alpine"\n  gone = ""\n');
    assert.deepEqual(Object.fromEntries(await readAliasCache(file)), {
      fedora: { value: 'registry.fedoraproject.org/fedora', file },
      'library/alpine': { value: 'docker.io/library/alpine', file },
      gone: { value: '', file },
    });
  });

  it('a corrupt file is INVALID_CONFIG at file:line:col', async () => {
    const dir = freshDir();
    await mkdir(dir);
    const file = join(dir, 'bad.conf');
    await writeFile(file, '[aliases]\n"fedora:39" = "registry.fedoraproject.org/fedora"\n');
    await assert.rejects(
      readAliasCache(file),
      (err: unknown) =>
        isHoistError(err, 'INVALID_CONFIG') && err.message === `${file}:2:1: aliases."fedora:39": invalid short name "fedora:39": must not contain tag`,
    );
  });
});

describe('recordAlias', () => {
  it('creates the directories and writes the TOML with mode 0600', async () => {
    const file = join(freshDir(), 'a', 'b', 'short-name-aliases.conf');
    assert.equal(await recordAlias(file, 'fedora', 'quay.io/fedora/fedora'), undefined);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readFile(file, 'utf8'), '[aliases]\nfedora = "quay.io/fedora/fedora"\n');
  });

  it('keeps other entries, replaces the same name, and stores values normalized', async () => {
    const file = join(freshDir(), 'short-name-aliases.conf');
    await recordAlias(file, 'fedora', 'quay.io/fedora/fedora');
    await recordAlias(file, 'library/alpine', 'docker.io/alpine');
    await recordAlias(file, 'fedora', 'registry.fedoraproject.org/fedora');
    assert.deepEqual(
      [...(await readAliasCache(file))].map(([name, entry]) => [name, entry.value]),
      [
        ['fedora', 'registry.fedoraproject.org/fedora'],
        ['library/alpine', 'docker.io/library/alpine'],
      ],
    );
  });

  it('concurrent writers lose no update; readers always see a whole file; nothing is left behind', async () => {
    const dir = freshDir();
    const file = join(dir, 'short-name-aliases.conf');
    await recordAlias(file, 'first', 'quay.io/first');
    let writing = true;
    const reader = (async () => {
      let reads = 0;
      while (writing) {
        const aliases = await readAliasCache(file); // throws on a partial file
        assert.ok(aliases.has('first'));
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return reads;
    })();
    const names = Array.from({ length: 20 }, (_, i) => `name${i}`);
    const warnings = await Promise.all(names.map((name) => recordAlias(file, name, `quay.io/team/${name}`)));
    writing = false;
    assert.ok((await reader) > 0);
    assert.deepEqual(
      warnings,
      names.map(() => undefined),
    );
    const aliases = await readAliasCache(file);
    for (const name of names) assert.equal(aliases.get(name)?.value, `quay.io/team/${name}`);
    assert.deepEqual(await readdir(dir), ['short-name-aliases.conf']);
  });

  it('an unwritable location returns a warning instead of throwing', async () => {
    const dir = freshDir();
    await mkdir(dir);
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const file = join(notADir, 'short-name-aliases.conf');
    const warning = await recordAlias(file, 'fedora', 'quay.io/fedora/fedora');
    assert.match(warning ?? '', new RegExp(`^cannot record short-name alias "fedora" = "quay.io/fedora/fedora" in ${file.replace(/[.]/g, '\\.')}: `));
  });

  it('refuses a name that is not a short name, or a value that is not fully qualified', async () => {
    const file = join(freshDir(), 'short-name-aliases.conf');
    await assert.rejects(recordAlias(file, 'quay.io/fedora', 'quay.io/fedora/fedora'), (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT'));
    await assert.rejects(recordAlias(file, 'fedora', 'fedora'), (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT'));
  });
});
