import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistriesConfText, type AliasEntry } from '../../src/config/registries/index.js';
import { isHoistError, HoistError } from '../../src/errors.js';
import { formatReference } from '../../src/reference/index.js';
import { aliasToRecord, resolveShortName, type Candidate, type Resolution, type ResolveOptions } from '../../src/shortnames/index.js';

const CONF_FILE = '/etc/containers/registries.conf';
const CACHE_FILE = '/cache/short-name-aliases.conf';
const DIGEST = `sha256:${'d'.repeat(64)}`;

function conf(text: string) {
  return parseRegistriesConfText(text, CONF_FILE);
}

const twoRegistries = (mode: string) => conf(`unqualified-search-registries = ["registry.fedoraproject.org", "quay.io"]\nshort-name-mode = "${mode}"\n`);

function options(overrides: Partial<ResolveOptions> = {}): ResolveOptions {
  return { conf: twoRegistries('enforcing'), aliasCache: new Map(), isTTY: false, ...overrides };
}

function cache(entries: Record<string, string>): Map<string, AliasEntry> {
  return new Map(Object.entries(entries).map(([name, value]) => [name, { value, file: CACHE_FILE }]));
}

const names = (resolution: Resolution) => resolution.candidates.map((c) => formatReference(c.reference));

/** A prompt that records what it was offered and picks `index`. */
function promptPicking(index: number) {
  const offered: string[][] = [];
  const prompt = async (candidates: Candidate[]) => {
    offered.push(candidates.map((c) => formatReference(c.reference)));
    return candidates[index]!;
  };
  return { prompt, offered };
}

describe('resolveShortName: names that are not short', () => {
  it('a fully qualified name is its only candidate, with the default tag', async () => {
    const resolution = await resolveShortName('quay.io/podman/stable', options());
    assert.equal(resolution.shortName, false);
    assert.deepEqual(names(resolution), ['quay.io/podman/stable:latest']);
    assert.equal(resolution.candidates[0]!.origin, 'fully-qualified');
    assert.equal(resolution.description, undefined);
  });

  it('localhost and host:port names are fully qualified', async () => {
    assert.deepEqual(names(await resolveShortName('localhost/app:1', options())), ['localhost/app:1']);
    assert.deepEqual(names(await resolveShortName('reg:5000/app', options())), ['reg:5000/app:latest']);
  });

  it('an invalid name is INVALID_REFERENCE', async () => {
    await assert.rejects(resolveShortName('Fedora', options()), (err: unknown) => isHoistError(err, 'INVALID_REFERENCE'));
  });
});

describe('resolveShortName: aliases', () => {
  const withAlias = () => conf('unqualified-search-registries = ["docker.io", "quay.io"]\n[aliases]\nfedora = "registry.fedoraproject.org/fedora"\n');

  it('a registries.conf alias is the one candidate, without prompting', async () => {
    const { prompt, offered } = promptPicking(0);
    const resolution = await resolveShortName('fedora', options({ conf: withAlias(), isTTY: true, prompt }));
    assert.deepEqual(names(resolution), ['registry.fedoraproject.org/fedora:latest']);
    assert.deepEqual(resolution.candidates[0], {
      reference: { domain: 'registry.fedoraproject.org', path: 'fedora', tag: 'latest' },
      origin: 'alias',
      file: CONF_FILE,
    });
    assert.equal(resolution.description, `Resolved "fedora" as an alias (${CONF_FILE})`);
    assert.equal(resolution.recordAliasOnSuccess, false);
    assert.deepEqual(offered, []);
  });

  it('the tag of the input is re-applied to the alias', async () => {
    assert.deepEqual(names(await resolveShortName('fedora:39', options({ conf: withAlias() }))), ['registry.fedoraproject.org/fedora:39']);
  });

  it('the digest of the input is re-applied to the alias', async () => {
    assert.deepEqual(names(await resolveShortName(`fedora@${DIGEST}`, options({ conf: withAlias() }))), [`registry.fedoraproject.org/fedora@${DIGEST}`]);
  });

  it('the alias cache wins over registries.conf', async () => {
    const resolution = await resolveShortName('fedora', options({ conf: withAlias(), aliasCache: cache({ fedora: 'quay.io/fedora/fedora' }) }));
    assert.deepEqual(names(resolution), ['quay.io/fedora/fedora:latest']);
    assert.equal(resolution.candidates[0]!.origin, 'alias-cache');
    assert.equal(resolution.description, `Resolved "fedora" as an alias (${CACHE_FILE})`);
  });

  it('an alias erased in the cache hides the registries.conf alias too', async () => {
    const resolution = await resolveShortName('fedora', options({ conf: withAlias(), aliasCache: cache({ fedora: '' }) }));
    assert.deepEqual(names(resolution), ['docker.io/library/fedora:latest', 'quay.io/fedora:latest']);
  });

  it('aliases are looked up by the name as written (library/x is not x)', async () => {
    const c = conf('unqualified-search-registries = ["docker.io"]\n[aliases]\n"library/busybox" = "quay.io/x/busybox"\n');
    assert.deepEqual(names(await resolveShortName('library/busybox', options({ conf: c }))), ['quay.io/x/busybox:latest']);
    assert.deepEqual(names(await resolveShortName('busybox', options({ conf: c }))), ['docker.io/library/busybox:latest']);
  });
});

describe('resolveShortName: unqualified-search registries and modes', () => {
  it('no search registries: the error names the file that should define them', async () => {
    await assert.rejects(resolveShortName('fedora:39', options({ conf: conf('') })), (err: unknown) => {
      assert.ok(isHoistError(err, 'SHORT_NAME'));
      assert.equal(err.message, `short-name "fedora:39" did not resolve to an alias and no unqualified-search registries are defined in "${CONF_FILE}"`);
      return true;
    });
  });

  it('no registries.conf at all: says so', async () => {
    const empty = { ...conf(''), unqualifiedSearchRegistriesFile: undefined };
    await assert.rejects(
      resolveShortName('fedora', options({ conf: empty })),
      (err: unknown) =>
        isHoistError(err, 'SHORT_NAME') && err.message === 'short-name "fedora" did not resolve to an alias and no containers-registries.conf(5) was found',
    );
  });

  it('one search registry: no ambiguity, no prompt, even when enforcing without a TTY', async () => {
    const resolution = await resolveShortName('app:2', options({ conf: conf('unqualified-search-registries = ["quay.io"]\nshort-name-mode = "enforcing"\n') }));
    assert.deepEqual(names(resolution), ['quay.io/app:2']);
    assert.equal(resolution.candidates[0]!.origin, 'search');
    assert.equal(resolution.candidates[0]!.file, CONF_FILE);
    assert.equal(resolution.description, `Resolving "app" using unqualified-search registries (${CONF_FILE})`);
  });

  it('disabled: every registry in order, never a prompt, even on a TTY', async () => {
    const { prompt, offered } = promptPicking(1);
    const resolution = await resolveShortName('fedora', options({ conf: twoRegistries('disabled'), isTTY: true, prompt }));
    assert.deepEqual(names(resolution), ['registry.fedoraproject.org/fedora:latest', 'quay.io/fedora:latest']);
    assert.equal(resolution.mode, 'disabled');
    assert.equal(resolution.recordAliasOnSuccess, false);
    assert.deepEqual(offered, []);
  });

  it('permissive without a TTY: every registry in order', async () => {
    const resolution = await resolveShortName('fedora', options({ conf: twoRegistries('permissive') }));
    assert.deepEqual(names(resolution), ['registry.fedoraproject.org/fedora:latest', 'quay.io/fedora:latest']);
    assert.equal(resolution.recordAliasOnSuccess, false);
  });

  it('enforcing without a TTY: refused', async () => {
    await assert.rejects(
      resolveShortName('fedora', options({ conf: twoRegistries('enforcing') })),
      (err: unknown) => isHoistError(err, 'SHORT_NAME') && err.message === 'short-name resolution enforced but cannot prompt without a TTY',
    );
  });

  it('a TTY but no prompt function behaves as without a TTY', async () => {
    await assert.rejects(resolveShortName('fedora', options({ isTTY: true })), (err: unknown) => isHoistError(err, 'SHORT_NAME'));
  });

  for (const mode of ['enforcing', 'permissive']) {
    it(`${mode} on a TTY: prompts, keeps the choice, and asks to record it`, async () => {
      const { prompt, offered } = promptPicking(1);
      const resolution = await resolveShortName('fedora:39', options({ conf: twoRegistries(mode), isTTY: true, prompt }));
      assert.deepEqual(offered, [['registry.fedoraproject.org/fedora:39', 'quay.io/fedora:39']]);
      assert.deepEqual(names(resolution), ['quay.io/fedora:39']);
      assert.equal(resolution.candidates[0]!.origin, 'prompt');
      assert.equal(resolution.recordAliasOnSuccess, true);
      assert.equal(resolution.description, undefined);
      assert.deepEqual(aliasToRecord(resolution, resolution.candidates[0]!), { name: 'fedora', value: 'quay.io/fedora' });
    });
  }

  it('Ctrl-C at the prompt rejects with ABORTED', async () => {
    const prompt = () => Promise.reject(new HoistError('ABORTED', 'short-name selection aborted'));
    await assert.rejects(resolveShortName('fedora', options({ isTTY: true, prompt })), (err: unknown) => isHoistError(err, 'ABORTED'));
  });

  it('the tag and digest of the input go to every search candidate', async () => {
    const resolution = await resolveShortName(`team/app@${DIGEST}`, options({ conf: twoRegistries('permissive') }));
    assert.deepEqual(names(resolution), [`registry.fedoraproject.org/team/app@${DIGEST}`, `quay.io/team/app@${DIGEST}`]);
  });

  it('docker.io candidates are normalized', async () => {
    const resolution = await resolveShortName('fedora', options({ conf: conf('unqualified-search-registries = ["docker.io"]') }));
    assert.deepEqual(resolution.candidates[0]!.reference, { domain: 'docker.io', path: 'library/fedora', tag: 'latest' });
  });
});
