import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupImage, localNameCandidates } from '../../src/store/lookup.js';
import type { ImageRecord } from '../../src/store/index.js';
import { formatReference } from '../../src/reference/index.js';

const hex = (prefix: string) => prefix.padEnd(64, '0');
function record(id: string, names: string[], extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    id,
    configDigest: `sha256:${id}`,
    manifestDigest: `sha256:${hex(`e${id.slice(0, 4)}`)}`,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    manifestSize: 100,
    names,
    indexDigests: {},
    pulled: '',
    ...extra,
  };
}

const local = record(hex('abc1'), ['localhost/foo:latest']);
const hub = record(hex('abc2'), ['docker.io/library/foo:latest', 'docker.io/library/baz:latest']);
const quayIndex = `sha256:${hex('1d')}`;
const quay = record(hex('def1'), ['quay.io/team/bar:1'], { indexDigests: { 'quay.io/team/bar:1': quayIndex } });
const dangling = record(hex('fed1'), []);
const records = [hub, local, quay, dangling];

const found: Array<[input: string, search: string[], want: ImageRecord | undefined, name?: string]> = [
  ['docker.io/library/foo:latest', [], hub, 'docker.io/library/foo:latest'],
  ['quay.io/team/bar:1', [], quay, 'quay.io/team/bar:1'],
  // A short name: localhost/ first, then the search registries, then docker.io.
  ['foo', [], local, 'localhost/foo:latest'],
  ['foo:latest', ['quay.io'], local, 'localhost/foo:latest'],
  ['baz', [], hub, 'docker.io/library/baz:latest'],
  ['library/baz', [], hub, 'docker.io/library/baz:latest'],
  ['team/bar:1', ['registry.example', 'quay.io'], quay, 'quay.io/team/bar:1'],
  // Else, as libimage's repo-tags match, a stored name ending in /PATH:TAG (at a '/' only).
  ['team/bar:1', [], quay, 'quay.io/team/bar:1'],
  ['bar:1', [], quay, 'quay.io/team/bar:1'],
  ['eam/bar:1', [], undefined],
  ['bar:2', [], undefined],
  ['bar', [], undefined],
  ['foo:2', [], undefined],
  // IDs, sha256: IDs, unique prefixes.
  [hex('fed1'), [], dangling],
  [`sha256:${hex('def1')}`, [], quay],
  ['abc1', [], local],
  ['fed', [], dangling],
  [`sha256:def`, [], quay],
  [hex('0123'), [], undefined],
  ['ab', [], undefined], // too short to be an ID prefix, and no such name
  // name@digest, by manifest or index digest, within the named repository only.
  [`quay.io/team/bar@${quay.manifestDigest}`, [], quay],
  [`team/bar@${quayIndex}`, ['quay.io'], quay],
  [`foo@${quay.manifestDigest}`, [], undefined],
];

for (const [input, search, want, name] of found) {
  test(`lookupImage(${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}${search.length ? `, [${search}]` : ''})`, () => {
    const match = lookupImage(records, input, { searchRegistries: search });
    assert.equal(match?.record, want);
    assert.equal(match?.name, name);
  });
}

test('lookupImage: a prefix matching several IDs is an error', () => {
  assert.throws(() => lookupImage(records, 'abc'), {
    code: 'AMBIGUOUS_IMAGE',
    message: 'short ID "abc" is ambiguous: it matches 2 images',
  });
});

test('lookupImage: an input that is neither a name nor an ID is refused with the reference error', () => {
  assert.throws(() => lookupImage(records, 'Bad:Name'), { code: 'INVALID_REFERENCE', message: /repository name must be lowercase/ });
});

test('localNameCandidates lists localhost/, the search registries, then docker.io, without duplicates', () => {
  assert.deepEqual(localNameCandidates('app:1', { searchRegistries: ['quay.io', 'docker.io'] }).map(formatReference), [
    'localhost/app:1',
    'quay.io/app:1',
    'docker.io/library/app:1',
  ]);
  assert.deepEqual(localNameCandidates('quay.io/a/b', { searchRegistries: ['x.io'] }).map(formatReference), ['quay.io/a/b:latest']);
});

test('lookupImage: an image whose config is addressed by sha512 is found by its whole 128-hex ID', () => {
  const id = `${hex('5a512')}${hex('')}`;
  const sha512 = record(id, [], { configDigest: `sha512:${id}` });
  assert.equal(lookupImage([...records, sha512], id)?.record, sha512);
  assert.equal(lookupImage([...records, sha512], `sha512:${id}`)?.record, sha512);
  assert.equal(lookupImage([...records, sha512], id.slice(0, 12))?.record, sha512);
});

test('localNameCandidates: a registries.conf alias comes first (tag and digest carried over), then localhost/, the search registries, docker.io', () => {
  const search = { aliases: new Map([['repo/image', 'quay.io/repo/image']]), searchRegistries: ['registry.example'] };
  assert.deepEqual(localNameCandidates('repo/image', search).map(formatReference), [
    'quay.io/repo/image:latest',
    'localhost/repo/image:latest',
    'registry.example/repo/image:latest',
    'docker.io/repo/image:latest',
  ]);
  assert.deepEqual(localNameCandidates(`repo/image:2@${quayIndex}`, search).map(formatReference)[0], `quay.io/repo/image@${quayIndex}`);
  assert.deepEqual(localNameCandidates('repo/image:2', search).map(formatReference)[0], 'quay.io/repo/image:2');
});

test('lookupImage: the alias target is found before localhost/ (Podman LookupImage order)', () => {
  const aliased = record(hex('aa11'), ['quay.io/repo/image:latest']);
  const localhost = record(hex('bb22'), ['localhost/repo/image:latest']);
  const search = { aliases: new Map([['repo/image', 'quay.io/repo/image']]) };
  assert.equal(lookupImage([localhost, aliased], 'repo/image', search)?.record, aliased);
  assert.equal(lookupImage([localhost, aliased], 'repo/image')?.record, localhost);
});

test('lookupImage: records of one ID (one image stored from two manifest formats) are one image for an ID prefix', () => {
  const oci = record(hex('cc33'), ['localhost/a:oci']);
  const docker = record(hex('cc33'), ['localhost/a:docker'], { manifestDigest: `sha256:${hex('d0c')}` });
  assert.equal(lookupImage([oci, docker], 'cc33')?.record.id, oci.id);
  assert.equal(lookupImage([oci, docker], `sha256:${hex('cc33').slice(0, 20)}`)?.record.id, oci.id);
});
