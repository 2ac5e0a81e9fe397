import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseReference } from '../../../src/reference/index.js';
import { loadRegistriesD, signatureStorageFor, type RegistriesD, type SignatureStorageSection } from '../../../src/config/registries-d/index.js';
import { withTempDir } from '../../helpers/tmp.js';

type Settings = Omit<SignatureStorageSection, 'file' | 'key'>;

/** A merged configuration as loadRegistriesD would return it, every section from `r.yaml`. */
function config(docker: Record<string, Settings>, defaultDocker?: Settings): RegistriesD {
  const sections = Object.entries(docker).map(([scope, s]) => [scope, { ...s, file: 'r.yaml', key: `docker."${scope}"` }]);
  return {
    dir: '/r',
    files: ['r.yaml'],
    docker: Object.fromEntries(sections) as RegistriesD['docker'],
    ...(defaultDocker ? { defaultDocker: { ...defaultDocker, file: 'r.yaml', key: 'default-docker' } } : {}),
    warnings: [],
  };
}

const asRoot = { isRoot: true, env: {} };

function storageOf(c: RegistriesD, name: string) {
  const s = signatureStorageFor(c, parseReference(name), asRoot);
  return { lookaside: s.lookaside?.href, useSigstoreAttachments: s.useSigstoreAttachments, from: s.from };
}

describe('registries.d lookup', () => {
  const c = config(
    {
      'reg.example.com/ns/app:v1': { lookaside: 'https://tag/' },
      'reg.example.com/ns/app': { lookaside: 'https://repo/' },
      'reg.example.com/ns': { lookaside: 'https://ns/' },
      'reg.example.com': { lookaside: 'https://registry/' },
      '*.example.com': { lookaside: 'https://wildcard/' },
      '*.com': { lookaside: 'https://tld/' },
    },
    { lookaside: 'https://default/' },
  );
  const cases: [string, string][] = [
    ['reg.example.com/ns/app:v1', 'https://tag/'],
    ['reg.example.com/ns/app:v2', 'https://repo/'],
    [`reg.example.com/ns/app@sha256:${'a'.repeat(64)}`, 'https://repo/'],
    ['reg.example.com/ns/other', 'https://ns/'],
    ['reg.example.com/ns/deeper/other', 'https://ns/'],
    ['reg.example.com/other', 'https://registry/'],
    ['other.example.com/x', 'https://wildcard/'],
    ['a.b.example.com/x', 'https://wildcard/'],
    // `*.example.com` is for subdomains only; the bare domain falls through to `*.com`.
    ['example.com/x', 'https://tld/'],
    ['quay.io/x', 'https://default/'],
  ];
  for (const [name, expected] of cases) {
    it(`walks the scopes of ${name} from the tagged identity down to default-docker`, () => {
      assert.equal(storageOf(c, name).lookaside, expected);
    });
  }

  it('looks an untagged name up as :latest, as upstream references always carry a tag', () => {
    const tagged = config({ 'quay.io/a/b:latest': { lookaside: 'https://latest/' } });
    assert.equal(storageOf(tagged, 'quay.io/a/b').lookaside, 'https://latest/');
  });

  it('keeps a host with a port apart from the port-less host', () => {
    const ports = config({ 'reg.example.com': { lookaside: 'https://no-port/' }, 'reg.example.com:5000': { lookaside: 'https://port/' } });
    assert.equal(storageOf(ports, 'reg.example.com:5000/x').lookaside, 'https://port/');
    assert.equal(storageOf(ports, 'reg.example.com/x').lookaside, 'https://no-port/');
    assert.equal(storageOf(ports, 'reg.example.com:6000/x').from.lookaside, 'built-in default');
    // Wildcards are of the port-less host's parents, and do apply to a host with a port.
    assert.equal(storageOf(config({ '*.example.com': { lookaside: 'https://w/' } }), 'reg.example.com:5000/x').lookaside, 'https://w/');
  });

  it('decides each key on its own: a scope setting only use-sigstore-attachments inherits lookaside', () => {
    const inherit = config(
      {
        'quay.io/team/app': { useSigstoreAttachments: true },
        'quay.io/team': { lookaside: 'https://team/' },
        'quay.io/solo': { useSigstoreAttachments: false },
      },
      { lookaside: 'https://default/', useSigstoreAttachments: true },
    );
    assert.deepEqual(storageOf(inherit, 'quay.io/team/app'), {
      lookaside: 'https://team/',
      useSigstoreAttachments: true,
      from: { lookaside: 'r.yaml: docker."quay.io/team".lookaside', useSigstoreAttachments: 'r.yaml: docker."quay.io/team/app".use-sigstore-attachments' },
    });
    assert.deepEqual(storageOf(inherit, 'quay.io/solo/x'), {
      lookaside: 'https://default/',
      useSigstoreAttachments: false,
      from: { lookaside: 'r.yaml: default-docker.lookaside', useSigstoreAttachments: 'r.yaml: docker."quay.io/solo".use-sigstore-attachments' },
    });
    assert.equal(storageOf(inherit, 'quay.io/other').useSigstoreAttachments, true);
    assert.equal(storageOf(inherit, 'quay.io/other').from.useSigstoreAttachments, 'r.yaml: default-docker.use-sigstore-attachments');
  });

  it('does not read from lookaside-staging, which is for writing', () => {
    const staging = config({ 'quay.io': { lookasideStaging: 'file:///staging' } }, { lookaside: 'https://default/' });
    assert.equal(storageOf(staging, 'quay.io/x').lookaside, 'https://default/');
  });

  it('names the deprecated sigstore key when that is what the file says', () => {
    const old = config({ 'quay.io': { lookaside: 'https://old/', lookasideKey: 'sigstore' } });
    assert.equal(storageOf(old, 'quay.io/x').from.lookaside, 'r.yaml: docker."quay.io".sigstore');
  });
});

describe('registries.d built-in default', () => {
  const empty = config({});
  const ref = parseReference('quay.io/a/b');

  it('is /var/lib/containers/sigstore for root', () => {
    const s = signatureStorageFor(empty, ref, asRoot);
    assert.equal(s.lookaside?.href, 'file:///var/lib/containers/sigstore');
    assert.deepEqual(s.from, { lookaside: 'built-in default', useSigstoreAttachments: 'built-in default' });
    assert.equal(s.useSigstoreAttachments, false);
  });

  it('is $HOME/.local/share/containers/sigstore for other users', () => {
    const s = signatureStorageFor(empty, ref, { isRoot: false, env: { HOME: '/home/a b' } });
    assert.equal(s.lookaside?.href, 'file:///home/a%20b/.local/share/containers/sigstore');
  });

  it('follows _CONTAINERS_ROOTLESS_UID, the real uid Podman records inside its user namespace', () => {
    const lookaside = (uid: string) => signatureStorageFor(empty, ref, { env: { HOME: '/home/u', _CONTAINERS_ROOTLESS_UID: uid } }).lookaside?.href;
    assert.equal(lookaside('1000'), 'file:///home/u/.local/share/containers/sigstore');
    assert.equal(lookaside('0'), 'file:///var/lib/containers/sigstore');
  });

  it('applies when no section sets a lookaside, from a loaded directory too', () =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, 'a.yaml'), 'default-docker:\n  use-sigstore-attachments: true\ndocker:\n  quay.io:\n    lookaside:\n');
      const loaded = await loadRegistriesD({ dir, shippedDir: dir });
      const s = signatureStorageFor(loaded, ref, asRoot);
      assert.equal(s.lookaside?.href, 'file:///var/lib/containers/sigstore');
      assert.equal(s.useSigstoreAttachments, true);
      assert.equal(s.from.useSigstoreAttachments, `${join(dir, 'a.yaml')}: default-docker.use-sigstore-attachments`);
    }));
});
