import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isHoistError } from '../../../src/errors.js';
import { shippedConfDir } from '../../../src/config/shipped.js';
import {
  loadRegistriesD,
  MAX_REGISTRIES_D_FILE_BYTES,
  MAX_REGISTRIES_D_FILES,
  MAX_YAML_ALIASES,
  parseRegistriesDFile,
  registriesDPath,
} from '../../../src/config/registries-d/index.js';
import { withTempDir } from '../../helpers/tmp.js';

const run = promisify(execFile);

/** A directory of files; `load` reads it as the `--registries.d` directory. */
async function writeDir(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

function load(dir: string) {
  return loadRegistriesD({ dir, env: { HOME: join(dir, 'no-home') }, shippedDir: join(dir, 'no-shipped') });
}

function rejectsWith(message: RegExp) {
  return (err: unknown) => {
    assert.ok(isHoistError(err, 'INVALID_CONFIG'), `not an INVALID_CONFIG HoistError: ${String(err)}`);
    assert.match(err.message, message);
    return true;
  };
}

describe('registries.d lookup order', () => {
  it('takes --registries.d, else the user dir, else the system dir, else the shipped one', () =>
    withTempDir(async (dir) => {
      const home = join(dir, 'home');
      const user = join(home, '.config', 'containers', 'registries.d');
      const system = join(dir, 'etc');
      const shipped = join(dir, 'shipped');
      const opts = { env: { HOME: home }, systemDir: system, shippedDir: shipped };

      assert.equal(await registriesDPath(opts), undefined);
      assert.deepEqual(await loadRegistriesD(opts), { dir: undefined, files: [], docker: Object.create(null), warnings: [] });
      await writeDir(shipped, { 'default.yaml': 'default-docker:\n  lookaside: https://shipped/\n' });
      assert.equal(await registriesDPath(opts), shipped);
      await writeDir(system, { 'default.yaml': 'default-docker:\n  lookaside: https://system/\n' });
      assert.equal(await registriesDPath(opts), system);
      await writeDir(user, { 'default.yaml': 'default-docker:\n  lookaside: https://user/\n' });
      assert.equal(await registriesDPath(opts), user);
      assert.equal((await loadRegistriesD(opts)).defaultDocker?.lookaside, 'https://user/');
      // The flag wins over everything, and an empty one is no flag.
      assert.equal(await registriesDPath({ ...opts, dir: shipped }), shipped);
      assert.equal(await registriesDPath({ ...opts, dir: '' }), user);
      assert.equal((await loadRegistriesD({ ...opts, dir: system })).defaultDocker?.lookaside, 'https://system/');
    }));

  it('fails when the --registries.d directory does not exist, naming it', () =>
    withTempDir(async (dir) => {
      const missing = join(dir, 'missing');
      await assert.rejects(load(missing), (err: unknown) => {
        assert.ok(isHoistError(err, 'INVALID_CONFIG'));
        assert.equal(err.message, `reading registries.d directory ${JSON.stringify(missing)}: no such directory`);
        assert.equal(err.hint, 'check --registries.d');
        return true;
      });
    }));
});

describe('registries.d files', () => {
  it('reads *.yaml in lexical order and skips .yml, other names and directories', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, {
        'b.yaml': 'docker:\n  b.example.com:\n    lookaside: https://b/\n',
        'a.yaml': 'docker:\n  a.example.com:\n    lookaside: https://a/\n',
        'c.yml': 'docker:\n  c.example.com:\n    lookaside: https://c/\n',
        'd.yaml.bak': 'not: [yaml\n',
        README: 'not yaml at all: [\n',
      });
      await mkdir(join(dir, 'sub.yaml'));
      const config = await load(dir);
      assert.equal(config.dir, dir);
      assert.deepEqual(config.files, [join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
      assert.deepEqual(Object.keys(config.docker), ['a.example.com', 'b.example.com']);
      assert.deepEqual(config.warnings, []);
    }));

  it('merges sections of several files, each remembering its file and key', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, {
        '10-default.yaml': 'default-docker:\n  lookaside: file:///srv/sigs\n',
        '20-quay.yaml': 'docker:\n  quay.io:\n    use-sigstore-attachments: true\n  quay.io/team:\n',
      });
      const config = await load(dir);
      assert.deepEqual(config.defaultDocker, {
        file: join(dir, '10-default.yaml'),
        key: 'default-docker',
        lookaside: 'file:///srv/sigs',
        lookasideKey: 'lookaside',
      });
      assert.deepEqual(config.docker['quay.io'], { file: join(dir, '20-quay.yaml'), key: 'docker."quay.io"', useSigstoreAttachments: true });
      // An empty scope section is still a section: it sets nothing.
      assert.deepEqual(config.docker['quay.io/team'], { file: join(dir, '20-quay.yaml'), key: 'docker."quay.io/team"' });
    }));

  it('refuses "default-docker" in two files, in upstream\'s words', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, { 'a.yaml': 'default-docker:\n  lookaside: https://a/\n', 'b.yaml': 'default-docker:\n  use-sigstore-attachments: false\n' });
      const [a, b] = [join(dir, 'a.yaml'), join(dir, 'b.yaml')];
      await assert.rejects(
        load(dir),
        rejectsWith(new RegExp(`^${escapeRegExp(`Error parsing signature storage configuration: "default-docker" defined both in "${a}" and "${b}"`)}$`)),
      );
    }));

  it('refuses one "docker" namespace in two files, even when they agree', () =>
    withTempDir(async (dir) => {
      const section = 'docker:\n  registry.example.com/ns:\n    lookaside: https://x/\n';
      await writeDir(dir, { 'a.yaml': section, 'b.yaml': section });
      const [a, b] = [join(dir, 'a.yaml'), join(dir, 'b.yaml')];
      await assert.rejects(
        load(dir),
        rejectsWith(
          new RegExp(
            `^${escapeRegExp(`Error parsing signature storage configuration: "docker" namespace "registry.example.com/ns" defined both in "${a}" and "${b}"`)}$`,
          ),
        ),
      );
    }));

  it('does not count an empty default-docker (null) as a section, as yaml.v3 leaves it unset', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, { 'a.yaml': '# comments only\ndefault-docker:\n', 'b.yaml': 'default-docker:\n  lookaside: https://b/\n', 'c.yaml': '' });
      const config = await load(dir);
      assert.equal(config.defaultDocker?.file, join(dir, 'b.yaml'));
      assert.equal(config.files.length, 3);
    }));

  it('reads the deprecated sigstore and sigstore-staging as lookaside and lookaside-staging', async () => {
    const parsed = await parseRegistriesDFile('default-docker:\n  sigstore: https://old/\n  sigstore-staging: file:///stage\n', 'f.yaml');
    assert.deepEqual(parsed.defaultDocker, {
      file: 'f.yaml',
      key: 'default-docker',
      lookaside: 'https://old/',
      lookasideKey: 'sigstore',
      lookasideStaging: 'file:///stage',
    });
  });

  it('treats a null or empty URL as unset, and takes YAML 1.1 yes/no for use-sigstore-attachments', async () => {
    const parsed = await parseRegistriesDFile(
      'docker:\n  a.io:\n    lookaside: ""\n    lookaside-staging:\n    use-sigstore-attachments: yes\n  b.io:\n    use-sigstore-attachments: Off\n',
      'f.yaml',
    );
    assert.deepEqual(parsed.docker['a.io'], { file: 'f.yaml', key: 'docker."a.io"', useSigstoreAttachments: true });
    assert.equal(parsed.docker['b.io']?.useSigstoreAttachments, false);
  });

  it('shares a section through a YAML alias', async () => {
    const parsed = await parseRegistriesDFile('docker:\n  a.io: &s\n    lookaside: https://s/\n  b.io: *s\n', 'f.yaml');
    assert.equal(parsed.docker['b.io']?.lookaside, 'https://s/');
    assert.equal(parsed.docker['b.io']?.key, 'docker."b.io"');
  });

  it('keeps a scope named __proto__ as a plain key', async () => {
    const parsed = await parseRegistriesDFile('docker:\n  __proto__:\n    lookaside: https://p/\n', 'f.yaml');
    assert.equal(Object.keys(parsed.docker).length, 1);
    assert.equal(parsed.docker['__proto__']?.lookaside, 'https://p/');
  });
});

describe('registries.d warnings', () => {
  it('warns about unknown keys at file:line:col, top level and in sections', async () => {
    const text = 'default-docker:\n  lookaside: https://x/\n  use-cosign-attachments: true\ndockr:\n  a: 1\ndocker:\n  quay.io:\n    mirror: x\n';
    const parsed = await parseRegistriesDFile(text, 'f.yaml');
    assert.deepEqual(parsed.warnings, [
      'f.yaml:3:3: default-docker.use-cosign-attachments: unknown key, ignored',
      'f.yaml:4:1: dockr: unknown key, ignored',
      'f.yaml:8:5: docker."quay.io".mirror: unknown key, ignored',
    ]);
  });

  it('collects the warnings of every file', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, { 'a.yaml': 'x: 1\n', 'b.yaml': 'y: 1\n' });
      assert.deepEqual((await load(dir)).warnings, [
        `${join(dir, 'a.yaml')}:1:1: x: unknown key, ignored`,
        `${join(dir, 'b.yaml')}:1:1: y: unknown key, ignored`,
      ]);
    }));

  it('never echoes control characters raw', async () => {
    const parsed = await parseRegistriesDFile('"\\e[31mred\\u202e": 1\n', 'f\u0007.yaml');
    assert.deepEqual(parsed.warnings, ['f\\u0007.yaml:1:1: "\\u001b[31mred\\u202e": unknown key, ignored']);
    await assert.rejects(parseRegistriesDFile('docker:\n  "\\x1b]0;x\\x07":\n    lookaside: 5\n', 'f.yaml'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f]/);
      assert.match(err.message, /^f\.yaml:3:5: docker\."\\u001b\]0;x\\u0007"\.lookaside: must be a string, not a number$/);
      return true;
    });
  });
});

describe('registries.d errors', () => {
  const bad: [string, string, RegExp][] = [
    ['a YAML syntax error', 'docker:\n  a.io: [1\n', /^f\.yaml:3:1: Flow sequence/],
    ['a duplicate key', 'docker:\n  a.io: {}\n  a.io: {}\n', /^f\.yaml:3:3: Map keys must be unique$/],
    ['several documents', 'docker:\n---\ndocker:\n', /^f\.yaml:2:1: a file must hold one YAML document, not several$/],
    ['a top level that is not a map', '- docker\n', /^f\.yaml:1:1: must be a map of "default-docker" and "docker", not a sequence$/],
    ['a docker that is not a map', 'docker: quay.io\n', /^f\.yaml:1:1: docker: must be a map of scopes, not a string$/],
    ['a section that is not a map', 'docker:\n  quay.io: https://x/\n', /^f\.yaml:2:12: docker\."quay\.io": must be a map, not a string$/],
    ['a default-docker that is not a map', 'default-docker: [a]\n', /^f\.yaml:1:17: default-docker: must be a map, not a sequence$/],
    ['a lookaside that is not a string', 'default-docker:\n  lookaside: 12\n', /^f\.yaml:2:3: default-docker\.lookaside: must be a string, not a number$/],
    [
      'a staging URL that is not a string',
      'default-docker:\n  lookaside-staging: {a: 1}\n',
      /^f\.yaml:2:3: default-docker\.lookaside-staging: must be a string, not a map$/,
    ],
    [
      'a URL that does not parse',
      'default-docker:\n  lookaside: /var/sigs\n',
      /^f\.yaml:2:3: default-docker\.lookaside: Invalid signature storage URL "\/var\/sigs"; write "file:\/\/\/var\/sigs" for a local directory$/,
    ],
    [
      'an unsupported scheme',
      'docker:\n  a.io:\n    sigstore: ftp://x/sigs\n',
      /^f\.yaml:3:5: docker\."a\.io"\.sigstore: Unsupported scheme "ftp" in "ftp:\/\/x\/sigs" \(use file:, http: or https:\)$/,
    ],
    [
      'use-sigstore-attachments not a boolean',
      'default-docker:\n  use-sigstore-attachments: "true!"\n',
      /^f\.yaml:2:3: default-docker\.use-sigstore-attachments: must be a boolean, not a string$/,
    ],
    [
      'use-sigstore-attachments a number',
      'default-docker:\n  use-sigstore-attachments: 1\n',
      /^f\.yaml:2:3: default-docker\.use-sigstore-attachments: must be a boolean, not a number$/,
    ],
    [
      'lookaside and sigstore in one section',
      'default-docker:\n  lookaside: https://a/\n  sigstore: https://b/\n',
      /^f\.yaml:3:3: default-docker\.sigstore: both "lookaside" and its deprecated alias "sigstore" are set; keep only "lookaside"$/,
    ],
    [
      'both staging spellings in one section',
      'default-docker:\n  sigstore-staging: file:///a\n  lookaside-staging: file:///b\n',
      /^f\.yaml:3:3: default-docker\.lookaside-staging: both "lookaside-staging" and its deprecated alias "sigstore-staging" are set/,
    ],
    ['a scope key that is not a string', 'docker:\n  5000:\n    lookaside: https://x/\n', /^f\.yaml:2:3: docker: keys must be strings, not a number$/],
    [
      'a YAML merge key',
      'docker:\n  a.io: &s\n    lookaside: https://s/\n  b.io:\n    <<: *s\n',
      /^f\.yaml:5:5: docker\."b\.io": YAML merge keys \(<<\) are not supported; write the keys out$/,
    ],
    ['an unknown alias', 'docker:\n  a.io: *nothing\n', /^f\.yaml:2:9: unknown YAML alias "nothing"$/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} at file:line:col`, async () => {
      await assert.rejects(parseRegistriesDFile(text, 'f.yaml'), (err: unknown) => {
        rejectsWith(message)(err);
        assert.equal((err as { hint?: string }).hint, 'see containers-registries.d(5)');
        return true;
      });
    });
  }

  it(`stops after ${MAX_YAML_ALIASES} aliases, so an alias bomb stays cheap`, async () => {
    const scopes = Array.from({ length: MAX_YAML_ALIASES + 1 }, (_, i) => `  s${i}.io: *s\n`).join('');
    await assert.rejects(
      parseRegistriesDFile(`docker:\n  base.io: &s\n    lookaside: https://s/\n${scopes}`, 'f.yaml'),
      rejectsWith(new RegExp(`^f\\.yaml:${4 + MAX_YAML_ALIASES}:\\d+: more than ${MAX_YAML_ALIASES} YAML aliases$`)),
    );
  });
});

describe('registries.d limits', () => {
  it(`refuses a file larger than ${MAX_REGISTRIES_D_FILE_BYTES} bytes`, () =>
    withTempDir(async (dir) => {
      await writeDir(dir, { 'big.yaml': `# ${'x'.repeat(MAX_REGISTRIES_D_FILE_BYTES)}\n` });
      await assert.rejects(
        load(dir),
        rejectsWith(new RegExp(`^reading ${escapeRegExp(join(dir, 'big.yaml'))}: larger than ${MAX_REGISTRIES_D_FILE_BYTES} bytes$`)),
      );
    }));

  it(`refuses more than ${MAX_REGISTRIES_D_FILES} *.yaml files`, () =>
    withTempDir(async (dir) => {
      await writeDir(dir, Object.fromEntries(Array.from({ length: MAX_REGISTRIES_D_FILES + 1 }, (_, i) => [`${i}.yaml`, ''])));
      await assert.rejects(load(dir), rejectsWith(new RegExp(`holds more than ${MAX_REGISTRIES_D_FILES} \\*\\.yaml files$`)));
    }));

  it('refuses a symlink loop, and skips a dangling symlink as a vanished file', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, {});
      await symlink('gone.txt', join(dir, 'dangling.yaml'));
      assert.deepEqual((await load(dir)).files, []);
      await symlink('b.yaml', join(dir, 'a.yaml'));
      await symlink('a.yaml', join(dir, 'b.yaml'));
      await assert.rejects(
        load(dir),
        rejectsWith(new RegExp(`^reading ${escapeRegExp(join(dir, 'a.yaml'))}: too many levels of symbolic links \\(a symlink loop\\?\\)$`)),
      );
      const loop = join(dir, 'loop');
      await symlink('loop', loop);
      await assert.rejects(load(loop), rejectsWith(/^reading registries\.d directory ".*loop": too many levels of symbolic links/));
    }));

  it('refuses a FIFO without waiting for a writer', () =>
    withTempDir(async (dir) => {
      await run('mkfifo', [join(dir, 'pipe.yaml')]);
      await assert.rejects(load(dir), rejectsWith(/pipe\.yaml: not a regular file$/));
    }));

  it('refuses a file that is not UTF-8', () =>
    withTempDir(async (dir) => {
      await writeDir(dir, {});
      await writeFile(join(dir, 'a.yaml'), Buffer.from([0x64, 0x3a, 0x20, 0xff, 0x0a]));
      await assert.rejects(load(dir), rejectsWith(/a\.yaml: not valid UTF-8$/));
    }));
});

describe('registries.d and the YAML parser', () => {
  const loadModule = fileURLToPath(new URL('../../../src/config/registries-d/load.js', import.meta.url));
  // yaml is CommonJS, so once imported (even by an ESM import()) it sits in the require cache.
  const probe = `
    import { createRequire } from 'node:module';
    const [modulePath, dir] = process.argv.slice(1);
    const { loadRegistriesD } = await import(modulePath);
    const config = await loadRegistriesD({ dir, shippedDir: dir });
    const yamlLoaded = Object.keys(createRequire(modulePath).cache).some((file) => /[\\\\/]node_modules[\\\\/]yaml[\\\\/]/.test(file));
    console.log(JSON.stringify({ files: config.files.length, yamlLoaded }));
  `;
  const probeDir = async (dir: string) => JSON.parse((await run(process.execPath, ['--input-type=module', '-e', probe, loadModule, dir])).stdout) as unknown;

  it('is not loaded for a directory without *.yaml files, and is for one with', () =>
    withTempDir(async (dir) => {
      await writeDir(join(dir, 'none'), { 'x.yml': 'default-docker:\n' });
      await writeDir(join(dir, 'one'), { 'x.yaml': 'default-docker:\n' });
      assert.deepEqual(await probeDir(join(dir, 'none')), { files: 0, yamlLoaded: false });
      assert.deepEqual(await probeDir(join(dir, 'one')), { files: 1, yamlLoaded: true });
    }));
});

describe('the shipped registries.d', () => {
  it('loads cleanly and configures no lookaside', async () => {
    const shipped = join(dirname(shippedConfDir()), 'registries.d');
    const config = await loadRegistriesD({ dir: shipped, shippedDir: shipped });
    assert.deepEqual(config.files, [join(shipped, 'default.yaml')]);
    assert.deepEqual(config.warnings, []);
    assert.equal(config.defaultDocker, undefined);
    assert.deepEqual(Object.keys(config.docker), []);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
