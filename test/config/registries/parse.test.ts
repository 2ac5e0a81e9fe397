import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistriesConfText } from '../../../src/config/registries/index.js';
import { isHoistError } from '../../../src/errors.js';

const FILE = '/conf/registries.conf';

function parse(text: string) {
  return parseRegistriesConfText(text, FILE);
}

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

describe('registries.conf: one file, the rules', () => {
  it('an empty file gives containers/image defaults', () => {
    const conf = parse('');
    assert.deepEqual(conf.files, [FILE]);
    assert.deepEqual(conf.unqualifiedSearchRegistries, []);
    assert.equal(conf.unqualifiedSearchRegistriesFile, FILE);
    assert.equal(conf.shortNameMode, 'permissive');
    assert.equal(conf.shortNameModeFile, undefined);
    assert.deepEqual(conf.credentialHelpers, ['containers-auth.json']);
    assert.equal(conf.aliases.size, 0);
    assert.deepEqual(conf.registries, []);
    assert.deepEqual(conf.warnings, []);
  });

  it('reads the global settings', () => {
    const conf = parse(
      lines(
        'unqualified-search-registries = ["registry.fedoraproject.org", "quay.io/", "localhost:5000", "[::1]:5000"]',
        'short-name-mode = "enforcing"',
        'credential-helpers = ["pass", "containers-auth.json"]',
      ),
    );
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['registry.fedoraproject.org', 'quay.io', 'localhost:5000', '[::1]:5000']);
    assert.equal(conf.shortNameMode, 'enforcing');
    assert.equal(conf.shortNameModeFile, FILE);
    assert.deepEqual(conf.credentialHelpers, ['pass', 'containers-auth.json']);
  });

  it('an empty short-name-mode means unset', () => {
    assert.equal(parse('short-name-mode = ""').shortNameMode, 'permissive');
  });

  it('reads [[registry]] tables: prefix defaults to location, trailing slashes go, pull-from-mirror defaults to all', () => {
    const conf = parse(
      lines(
        '[[registry]]',
        'location = "registry.example.com/team/"',
        'insecure = true',
        'mirror-by-digest-only = true',
        '[[registry.mirror]]',
        'location = "mirror.local/team"',
        'insecure = true',
      ),
    );
    assert.deepEqual(conf.registries, [
      {
        prefix: 'registry.example.com/team',
        location: 'registry.example.com/team',
        insecure: true,
        blocked: false,
        mirrorByDigestOnly: true,
        mirrors: [{ location: 'mirror.local/team', insecure: true, pullFromMirror: 'all' }],
        file: FILE,
      },
    ]);
  });

  it('sorts tables by prefix', () => {
    const conf = parse(lines('[[registry]]', 'location = "z.io"', '[[registry]]', 'location = "a.io"', '[[registry]]', 'location = "m.io"'));
    assert.deepEqual(
      conf.registries.map((r) => r.prefix),
      ['a.io', 'm.io', 'z.io'],
    );
  });

  it('keeps the first table of a prefix and warns about the later one', () => {
    const conf = parse(lines('[[registry]]', 'location = "a.io"', 'blocked = true', '', '[[registry]]', 'prefix = "a.io"', 'location = "b.io"'));
    assert.equal(conf.registries.length, 1);
    assert.equal(conf.registries[0]!.location, 'a.io');
    assert.deepEqual(conf.warnings, [`${FILE}:5:1: registry: [[registry]] prefix "a.io" is already defined in this file; this table is ignored`]);
  });

  it('accepts a wildcard prefix with or without a location', () => {
    const conf = parse(
      lines('[[registry]]', 'prefix = "*.example.com"', 'blocked = true', '[[registry]]', 'prefix = "*.example.org"', 'location = "proxy.local"'),
    );
    assert.deepEqual(
      conf.registries.map((r) => [r.prefix, r.location]),
      [
        ['*.example.com', ''],
        ['*.example.org', 'proxy.local'],
      ],
    );
  });

  it('allows one location under several prefixes when they agree', () => {
    const conf = parse(lines('[[registry]]', 'prefix = "a.io/x"', 'location = "r.io"', '[[registry]]', 'prefix = "a.io/y"', 'location = "r.io"'));
    assert.equal(conf.registries.length, 2);
  });

  it('normalizes alias values and drops erased ones', () => {
    const conf = parse(lines('[aliases]', '"alpine" = "docker.io/alpine"', '"library/busybox" = "quay.io/x/busybox"', '"gone" = ""'));
    assert.deepEqual(
      [...conf.aliases],
      [
        ['alpine', { value: 'docker.io/library/alpine', file: FILE }],
        ['library/busybox', { value: 'quay.io/x/busybox', file: FILE }],
      ],
    );
  });

  const warningCases: { name: string; text: string; warnings: string[] }[] = [
    { name: 'unknown top-level key', text: 'unqualified-search-registry = []', warnings: [`${FILE}:1:1: unqualified-search-registry: unknown key, ignored`] },
    {
      name: 'unknown [[registry]] key',
      text: lines('[[registry]]', 'location = "a.io"', 'mirror-by-tag-only = true'),
      warnings: [`${FILE}:3:1: registry.mirror-by-tag-only: unknown key, ignored`],
    },
    {
      name: 'unknown mirror key',
      text: lines('[[registry]]', 'location = "a.io"', '[[registry.mirror]]', 'location = "m.io"', '  insecur = true'),
      warnings: [`${FILE}:5:3: registry.mirror.insecur: unknown key, ignored`],
    },
    {
      name: 'proxy is not supported',
      text: lines('[[registry]]', 'location = "a.io"', 'proxy = "http://proxy:3128"'),
      warnings: [`${FILE}:3:1: registry.proxy: not supported by hoist, ignored`],
    },
    {
      name: 'additional-layer-store-auth-helper is not supported',
      text: 'additional-layer-store-auth-helper = "helper"',
      warnings: [`${FILE}:1:1: additional-layer-store-auth-helper: not supported by hoist, ignored`],
    },
  ];
  for (const { name, text, warnings } of warningCases) {
    it(`warns: ${name}`, () => {
      assert.deepEqual(parse(text).warnings, warnings);
    });
  }
});

describe('registries.conf: v1 format', () => {
  it('is converted to v2 (block, then insecure, in order of mention) with a deprecation warning', () => {
    const conf = parse(
      lines(
        '[registries.search]',
        "registries = ['one.io', 'two.io']",
        '[registries.insecure]',
        "registries = ['insecure.io', 'both.io']",
        '[registries.block]',
        "registries = ['both.io', 'blocked.io/']",
      ),
    );
    assert.deepEqual(conf.unqualifiedSearchRegistries, ['one.io', 'two.io']);
    assert.deepEqual(
      conf.registries.map((r) => [r.prefix, r.location, r.insecure, r.blocked]),
      [
        ['blocked.io', 'blocked.io', false, true],
        ['both.io', 'both.io', true, true],
        ['insecure.io', 'insecure.io', true, false],
      ],
    );
    assert.equal(conf.warnings.length, 1);
    assert.match(conf.warnings[0]!, /^\/conf\/registries\.conf:1:1: registries\.search: the v1 format .* is deprecated/);
  });

  it('an empty v1 list still counts as v1', () => {
    const conf = parse(lines('[registries.search]', 'registries = []'));
    assert.deepEqual(conf.unqualifiedSearchRegistries, []);
    assert.equal(conf.warnings.length, 1);
  });
});

describe('registries.conf: errors name file:line:col and the key', () => {
  const cases: { name: string; text: string; message: string }[] = [
    { name: 'bad TOML', text: lines('short-name-mode = "enforcing"', 'unqualified-search-registries = ['), message: `${FILE}:3:1: invalid value` },
    {
      name: 'duplicate key',
      text: lines('short-name-mode = "enforcing"', 'short-name-mode = "disabled"'),
      message: `${FILE}:2:1: trying to redefine an already defined table or value`,
    },
    { name: 'wrong type (string)', text: 'short-name-mode = 1', message: `${FILE}:1:1: short-name-mode: expected type string, got integer` },
    {
      name: 'wrong type (boolean)',
      text: lines('[[registry]]', 'location = "a.io"', 'insecure = "yes"'),
      message: `${FILE}:3:1: registry.insecure: expected type boolean, got string`,
    },
    {
      name: 'wrong type (array item)',
      text: 'unqualified-search-registries = ["a.io", 1]',
      message: `${FILE}:1:1: unqualified-search-registries: expected an array of strings, item 2 has type integer`,
    },
    { name: 'wrong type (array)', text: 'credential-helpers = "pass"', message: `${FILE}:1:1: credential-helpers: expected an array of strings, got string` },
    { name: 'wrong type (table)', text: 'aliases = "x"', message: `${FILE}:1:1: aliases: expected type table, got string` },
    { name: 'wrong type (alias value)', text: lines('[aliases]', 'fedora = true'), message: `${FILE}:2:1: aliases.fedora: expected type string, got boolean` },
    {
      name: 'URI scheme in location',
      text: lines('[[registry]]', 'location = "https://a.io"'),
      message: `${FILE}:2:1: registry.location: invalid location 'https://a.io': URI schemes are not supported`,
    },
    {
      name: 'URI scheme in prefix',
      text: lines('[[registry]]', 'prefix = "http://a.io"', 'location = "a.io"'),
      message: `${FILE}:2:1: registry.prefix: invalid location 'http://a.io': URI schemes are not supported`,
    },
    {
      name: 'URI scheme in a mirror',
      text: lines('[[registry]]', 'location = "a.io"', '[[registry.mirror]]', 'location = "http://m.io"'),
      message: `${FILE}:4:1: registry.mirror.location: invalid location 'http://m.io': URI schemes are not supported`,
    },
    {
      name: 'neither location nor prefix (points at the second table)',
      text: lines('[[registry]]', 'location = "a.io"', '', '[[registry]]', 'insecure = true'),
      message: `${FILE}:4:1: registry: invalid condition: both location and prefix are unset`,
    },
    {
      name: 'no location for a plain prefix',
      text: lines('[[registry]]', 'prefix = "a.io"'),
      message: `${FILE}:2:1: registry.prefix: invalid condition: location is unset and prefix is not in the format: *.example.com`,
    },
    {
      name: 'wildcard with a namespace',
      text: lines('[[registry]]', 'prefix = "*.example.com/foo"'),
      message: `${FILE}:2:1: registry.prefix: Wildcarded prefix should be in the format: *.example.com. Current prefix "*.example.com/foo" is incorrectly formatted`,
    },
    {
      name: 'wildcard with a port',
      text: lines('[[registry]]', 'prefix = "*.example.com:5000"', 'location = "x.io"'),
      message: `${FILE}:2:1: registry.prefix: Wildcarded prefix should be in the format: *.example.com. Current prefix "*.example.com:5000" is incorrectly formatted`,
    },
    {
      name: 'pull-from-mirror on the primary',
      text: lines('[[registry]]', 'location = "a.io"', 'pull-from-mirror = "all"'),
      message: `${FILE}:3:1: registry.pull-from-mirror: pull-from-mirror must not be set for a non-mirror registry "a.io"`,
    },
    {
      name: 'mirror without location',
      text: lines('[[registry]]', 'location = "a.io"', '[[registry.mirror]]', 'insecure = true'),
      message: `${FILE}:3:1: registry.mirror: invalid condition: mirror location is unset`,
    },
    {
      name: 'mirror-by-digest-only with pull-from-mirror',
      text: lines(
        '[[registry]]',
        'location = "a.io"',
        'mirror-by-digest-only = true',
        '[[registry.mirror]]',
        'location = "m.io"',
        'pull-from-mirror = "tag-only"',
      ),
      message: `${FILE}:6:1: registry.mirror.pull-from-mirror: cannot set mirror usage mirror-by-digest-only for the registry ("a.io") and pull-from-mirror for per-mirror ("m.io") at the same time`,
    },
    {
      name: 'invalid pull-from-mirror',
      text: lines('[[registry]]', 'location = "a.io"', '[[registry.mirror]]', 'location = "m.io"', 'pull-from-mirror = "sometimes"'),
      message: `${FILE}:5:1: registry.mirror.pull-from-mirror: unsupported pull-from-mirror value "sometimes" for mirror "m.io"`,
    },
    {
      name: "conflicting 'insecure'",
      text: lines('[[registry]]', 'prefix = "a.io/x"', 'location = "r.io"', '[[registry]]', 'prefix = "a.io/y"', 'location = "r.io"', 'insecure = true'),
      message: `${FILE}:1:1: registry.insecure: registry 'r.io' is defined multiple times with conflicting 'insecure' setting`,
    },
    {
      name: "conflicting 'blocked'",
      text: lines('[[registry]]', 'prefix = "a.io/x"', 'location = "r.io"', 'blocked = true', '[[registry]]', 'prefix = "a.io/y"', 'location = "r.io"'),
      message: `${FILE}:4:1: registry.blocked: registry 'r.io' is defined multiple times with conflicting 'blocked' setting`,
    },
    {
      name: 'search registry with a namespace',
      text: 'unqualified-search-registries = ["quay.io/team"]',
      message: `${FILE}:1:1: unqualified-search-registries: Invalid unqualified-search-registries entry "quay.io/team"`,
    },
    {
      name: 'search registry with a URI scheme',
      text: 'unqualified-search-registries = ["https://quay.io"]',
      message: `${FILE}:1:1: unqualified-search-registries: invalid location 'https://quay.io': URI schemes are not supported`,
    },
    { name: 'invalid short-name-mode', text: 'short-name-mode = "prompt"', message: `${FILE}:1:1: short-name-mode: invalid short-name mode: "prompt"` },
    {
      name: 'alias name with a tag',
      text: lines('[aliases]', '"fedora:39" = "registry.fedoraproject.org/fedora"'),
      message: `${FILE}:2:1: aliases."fedora:39": invalid short name "fedora:39": must not contain tag`,
    },
    {
      name: 'alias name with a digest',
      text: lines('[aliases]', `"fedora@sha256:${'a'.repeat(64)}" = "registry.fedoraproject.org/fedora"`),
      message: `${FILE}:2:1: aliases."fedora@sha256:${'a'.repeat(64)}": invalid short name "fedora@sha256:${'a'.repeat(64)}": must not contain digest`,
    },
    {
      name: 'alias name with a registry',
      text: lines('[aliases]', '"quay.io/fedora" = "registry.fedoraproject.org/fedora"'),
      message: `${FILE}:2:1: aliases."quay.io/fedora": invalid short name "quay.io/fedora": must not contain registry`,
    },
    {
      name: 'alias name that is not a reference',
      text: lines('[aliases]', '"Fedora" = "registry.fedoraproject.org/fedora"'),
      message: `${FILE}:2:1: aliases.Fedora: cannot parse short name: "Fedora": invalid reference "Fedora": repository name must be lowercase`,
    },
    {
      name: 'alias value without registry',
      text: lines('[aliases]', 'fedora = "fedora/fedora"'),
      message: `${FILE}:2:1: aliases.fedora: invalid alias "fedora/fedora": must contain registry and repository`,
    },
    {
      name: 'alias value with a tag',
      text: lines('[aliases]', 'fedora = "registry.fedoraproject.org/fedora:39"'),
      message: `${FILE}:2:1: aliases.fedora: invalid alias "registry.fedoraproject.org/fedora:39": must not contain tag`,
    },
    {
      name: 'alias value with a digest',
      text: lines('[aliases]', `fedora = "registry.fedoraproject.org/fedora@sha256:${'b'.repeat(64)}"`),
      message: `${FILE}:2:1: aliases.fedora: invalid alias "registry.fedoraproject.org/fedora@sha256:${'b'.repeat(64)}": must not contain digest`,
    },
    {
      name: 'every bad alias at once',
      text: lines('[aliases]', '"a:1" = "x.io/a"', 'ok = "x.io/ok"', 'b = "b"'),
      message: [
        `${FILE}:2:1: aliases."a:1": invalid short name "a:1": must not contain tag`,
        `${FILE}:4:1: aliases.b: invalid alias "b": must contain registry and repository`,
      ].join('\n'),
    },
    {
      name: 'v1 mixed with v2',
      text: lines('unqualified-search-registries = ["a.io"]', '[registries.block]', "registries = ['b.io']"),
      message: `${FILE}:2:1: registries.block: mixing sysregistry v1/v2 is not supported`,
    },
    {
      name: 'URI scheme in a v1 list',
      text: lines('[registries.insecure]', "registries = ['http://b.io']"),
      message: `${FILE}:2:1: registries.insecure.registries: invalid location 'http://b.io': URI schemes are not supported`,
    },
  ];
  for (const { name, text, message } of cases) {
    it(name, () => {
      assert.throws(
        () => parse(text),
        (err: unknown) => {
          assert.ok(isHoistError(err, 'INVALID_CONFIG'), `expected INVALID_CONFIG, got ${String(err)}`);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }
  it('gives the file, and the line and column of a one-line error, as fields too', () => {
    for (const { name, text, message } of cases) {
      const [, line, column] = /^[^:]+:(\d+):(\d+): /.exec(message) ?? [];
      const position = message.includes('\n') ? {} : { line: Number(line), column: Number(column) };
      assert.throws(
        () => parse(text),
        (err: unknown) => isHoistError(err) && JSON.stringify(err.details) === JSON.stringify({ file: FILE, ...position }),
        name,
      );
    }
  });
});
