import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRegistriesConf, type LoadRegistriesConfOptions } from '../../../src/config/registries/index.js';
import { isHoistError } from '../../../src/errors.js';

/** A machine in a temporary directory: $HOME, two system dirs and hoist's shipped file. */
interface Machine {
  home: string;
  etc: string;
  usr: string;
  shipped: string;
  userFile: string;
  userDropIns: string;
  etcDropIns: string;
  usrDropIns: string;
  write(path: string, text: string): Promise<string>;
  options(extra?: Partial<LoadRegistriesConfOptions>): LoadRegistriesConfOptions;
}

let root: string;
let machines = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hoist-registries-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function machine(): Promise<Machine> {
  const base = join(root, `m${machines++}`);
  const home = join(base, 'home');
  const etc = join(base, 'etc', 'containers');
  const usr = join(base, 'usr', 'share', 'containers');
  const shipped = join(base, 'hoist', 'conf', 'registries.conf');
  await mkdir(home, { recursive: true });
  const write = async (path: string, text: string) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return path;
  };
  await write(shipped, 'unqualified-search-registries = ["shipped.io"]\n');
  return {
    home,
    etc,
    usr,
    shipped,
    userFile: join(home, '.config', 'containers', 'registries.conf'),
    userDropIns: join(home, '.config', 'containers', 'registries.conf.d'),
    etcDropIns: join(etc, 'registries.conf.d'),
    usrDropIns: join(usr, 'registries.conf.d'),
    write,
    options: (extra = {}) => ({ env: { HOME: home }, systemDirs: [etc, usr], shippedFile: shipped, ...extra }),
  };
}

async function rejectsWith(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isHoistError(err, 'INVALID_CONFIG'), String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('registries.conf: which files are read', () => {
  it("hoist's shipped file when no user or system file exists", async () => {
    const m = await machine();
    const conf = await loadRegistriesConf(m.options());
    assert.deepEqual(conf.files, [m.shipped]);
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['shipped.io']);
  });

  it('the first system dir with a file, before the later ones and the shipped file', async () => {
    const m = await machine();
    const usrFile = await m.write(join(m.usr, 'registries.conf'), 'unqualified-search-registries = ["usr.io"]\n');
    assert.deepEqual((await loadRegistriesConf(m.options())).files, [usrFile]);
    const etcFile = await m.write(join(m.etc, 'registries.conf'), 'unqualified-search-registries = ["etc.io"]\n');
    assert.deepEqual((await loadRegistriesConf(m.options())).files, [etcFile]);
  });

  it("the user's file wins, and then only the user's drop-ins apply", async () => {
    const m = await machine();
    await m.write(join(m.etc, 'registries.conf'), '');
    await m.write(join(m.etcDropIns, 'system.conf'), 'short-name-mode = "disabled"\n');
    await m.write(m.userFile, 'unqualified-search-registries = ["user.io"]\n');
    const userDropIn = await m.write(join(m.userDropIns, 'mine.conf'), 'short-name-mode = "enforcing"\n');
    const conf = await loadRegistriesConf(m.options());
    assert.deepEqual(conf.files, [m.userFile, userDropIn]);
    assert.equal(conf.shortNameMode, 'enforcing');
  });

  it("otherwise system drop-ins, then the user's, each in lexical order; other files and directories are skipped", async () => {
    const m = await machine();
    const main = await m.write(join(m.etc, 'registries.conf'), '');
    const b = await m.write(join(m.etcDropIns, 'b.conf'), '');
    const a = await m.write(join(m.etcDropIns, '10-a.conf'), '');
    await m.write(join(m.etcDropIns, 'c.conf.rpmsave'), 'not = [toml');
    await m.write(join(m.etcDropIns, 'sub.conf', 'inner.conf'), '');
    await m.write(join(m.usrDropIns, 'vendor.conf'), ''); // containers/image reads no /usr/share drop-ins
    const user = await m.write(join(m.userDropIns, '00-user.conf'), '');
    assert.deepEqual((await loadRegistriesConf(m.options())).files, [main, a, b, user]);
  });

  it('drop-ins still apply over the shipped file', async () => {
    const m = await machine();
    const dropIn = await m.write(join(m.etcDropIns, 'x.conf'), 'unqualified-search-registries = ["dropin.io"]\n');
    const conf = await loadRegistriesConf(m.options());
    assert.deepEqual(conf.files, [m.shipped, dropIn]);
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['dropin.io']);
    assert.equal(conf.unqualifiedSearchRegistriesFile, dropIn);
  });

  it('with no main file at all, drop-ins alone apply', async () => {
    const m = await machine();
    const dropIn = await m.write(join(m.etcDropIns, 'x.conf'), 'short-name-mode = "disabled"\n');
    const conf = await loadRegistriesConf(m.options({ shippedFile: join(m.home, 'missing.conf') }));
    assert.deepEqual(conf.files, [dropIn]);
    assert.equal(conf.unqualifiedSearchRegistriesFile, undefined);
  });

  it('CONTAINERS_REGISTRIES_CONF replaces the main file (even the user one); drop-ins are still read', async () => {
    const m = await machine();
    await m.write(m.userFile, 'unqualified-search-registries = ["user.io"]\n');
    const forced = await m.write(join(m.home, 'forced.conf'), 'unqualified-search-registries = ["forced.io"]\n');
    const systemDropIn = await m.write(join(m.etcDropIns, 'a.conf'), '');
    const userDropIn = await m.write(join(m.userDropIns, 'b.conf'), '');
    const conf = await loadRegistriesConf(m.options({ env: { HOME: m.home, CONTAINERS_REGISTRIES_CONF: forced } }));
    assert.deepEqual(conf.files, [forced, systemDropIn, userDropIn]);
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['forced.io']);
  });

  it('--registries-conf wins over CONTAINERS_REGISTRIES_CONF', async () => {
    const m = await machine();
    const flag = await m.write(join(m.home, 'flag.conf'), '');
    const env = await m.write(join(m.home, 'env.conf'), '');
    const conf = await loadRegistriesConf(m.options({ file: flag, env: { HOME: m.home, CONTAINERS_REGISTRIES_CONF: env } }));
    assert.deepEqual(conf.files, [flag]);
  });

  it('a forced file must exist, and the error names it', async () => {
    const m = await machine();
    const missing = join(m.home, 'nope.conf');
    await rejectsWith(loadRegistriesConf(m.options({ file: missing })), `loading registries configuration "${missing}": no such file`);
    await rejectsWith(
      loadRegistriesConf(m.options({ env: { HOME: m.home, CONTAINERS_REGISTRIES_CONF: missing } })),
      `loading registries configuration "${missing}": no such file`,
    );
  });

  it("hoist's shipped conf/registries.conf is valid", async () => {
    const shipped = fileURLToPath(new URL('../../../../conf/registries.conf', import.meta.url));
    const m = await machine();
    const conf = await loadRegistriesConf(m.options({ shippedFile: shipped }));
    assert.deepEqual(conf.files, [shipped]);
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['docker.io']);
    assert.equal(conf.shortNameMode, 'enforcing');
    assert.deepEqual(conf.warnings, []);
  });
});

describe('registries.conf: merging drop-ins', () => {
  async function load(main: string, ...dropIns: string[]) {
    const m = await machine();
    const mainFile = await m.write(join(m.etc, 'registries.conf'), main);
    const files: string[] = [];
    for (const [i, text] of dropIns.entries()) files.push(await m.write(join(m.etcDropIns, `${i}.conf`), text));
    return { conf: await loadRegistriesConf(m.options()), mainFile, files };
  }

  it('unqualified-search-registries: replaced when present, an empty list included', async () => {
    const { conf, files } = await load(
      'unqualified-search-registries = ["a.io", "b.io"]',
      'unqualified-search-registries = []',
      'short-name-mode = "disabled"',
    );
    assert.deepEqual(conf.unqualifiedSearchRegistries, []);
    assert.equal(conf.unqualifiedSearchRegistriesFile, files[0]);
  });

  it('unqualified-search-registries: kept when a drop-in does not set it; the main file is its origin', async () => {
    const { conf, mainFile } = await load('', 'short-name-mode = "disabled"');
    assert.deepEqual(conf.unqualifiedSearchRegistries, []);
    assert.equal(conf.unqualifiedSearchRegistriesFile, mainFile);
  });

  it('short-name-mode: the last file that sets it', async () => {
    const { conf, files } = await load('short-name-mode = "enforcing"', 'short-name-mode = "disabled"', '');
    assert.equal(conf.shortNameMode, 'disabled');
    assert.equal(conf.shortNameModeFile, files[0]);
  });

  it('credential-helpers: replaced when present; an empty result means containers-auth.json', async () => {
    assert.deepEqual((await load('credential-helpers = ["pass"]', 'credential-helpers = ["secretservice"]')).conf.credentialHelpers, ['secretservice']);
    assert.deepEqual((await load('credential-helpers = ["pass"]', '')).conf.credentialHelpers, ['pass']);
    assert.deepEqual((await load('credential-helpers = ["pass"]', 'credential-helpers = []')).conf.credentialHelpers, ['containers-auth.json']);
  });

  it('aliases: merged key by key, later files win, "" erases', async () => {
    const { conf, mainFile, files } = await load(
      '[aliases]\nkeep = "a.io/keep"\nchange = "a.io/change"\nerase = "a.io/erase"\n',
      '[aliases]\nchange = "b.io/change"\nerase = ""\nnew = "b.io/new"\n',
    );
    assert.deepEqual(Object.fromEntries(conf.aliases), {
      keep: { value: 'a.io/keep', file: mainFile },
      change: { value: 'b.io/change', file: files[0] },
      new: { value: 'b.io/new', file: files[0] },
    });
  });

  it('[[registry]]: replaced whole by prefix, others kept, result sorted', async () => {
    const { conf, mainFile, files } = await load(
      '[[registry]]\nprefix = "a.io"\nlocation = "a.io"\ninsecure = true\n[[registry.mirror]]\nlocation = "m.io"\n[[registry]]\nlocation = "z.io"\n',
      '[[registry]]\nprefix = "a.io"\nlocation = "other.io"\n[[registry]]\nlocation = "b.io"\n',
    );
    assert.deepEqual(
      conf.registries.map((r) => [r.prefix, r.location, r.insecure, r.mirrors.length, r.file]),
      [
        ['a.io', 'other.io', false, 0, files[0]],
        ['b.io', 'b.io', false, 0, files[0]],
        ['z.io', 'z.io', false, 0, mainFile],
      ],
    );
  });

  it('collects warnings from every file', async () => {
    const { conf, mainFile, files } = await load('typo = 1\n', 'other = 2\n');
    assert.deepEqual(conf.warnings, [`${mainFile}:1:1: typo: unknown key, ignored`, `${files[0]}:1:1: other: unknown key, ignored`]);
  });

  it('a v1 main file is read with a deprecation warning', async () => {
    const { conf } = await load("[registries.search]\nregistries = ['v1.io']\n");
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['v1.io']);
    assert.match(conf.warnings[0]!, /v1 format .* is deprecated/);
  });

  it('a v1 drop-in is refused', async () => {
    const m = await machine();
    await m.write(join(m.etc, 'registries.conf'), '');
    const dropIn = await m.write(join(m.etcDropIns, 'old.conf'), "[registries.insecure]\nregistries = ['v1.io']\n");
    await rejectsWith(loadRegistriesConf(m.options()), `${dropIn}:1:1: registries.insecure: registry must be in v2 format but is in v1`);
  });

  it('bad TOML in a drop-in names that file, line and column', async () => {
    const m = await machine();
    const dropIn = await m.write(join(m.etcDropIns, 'bad.conf'), '[aliases]\nfedora = registry.fedoraproject.org/fedora\n');
    await rejectsWith(loadRegistriesConf(m.options()), new RegExp(`^${dropIn.replace(/[.]/g, '\\.')}:2:10: `));
  });
});
