import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  familiarString,
  formatReference,
  isShortName,
  parseReference,
  parseReferenceParts,
  repositoryName,
  withDefaultTag,
  type ImageReference,
} from '../../src/reference/index.js';
import { HoistError } from '../../src/errors.js';

const H256 = createHash('sha256').update('hoist').digest('hex');
const H512 = createHash('sha512').update('hoist').digest('hex');
const D256 = `sha256:${H256}`;
const D512 = `sha512:${H512}`;
const HEX64 = createHash('sha256').update('an image id').digest('hex');

function assertInvalid(fn: () => unknown, input: string, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HoistError);
    assert.equal(err.code, 'INVALID_REFERENCE');
    assert.equal(err.message, `invalid reference "${input}": ${reason}`);
    return true;
  });
}

const normalized: Array<[input: string, want: ImageReference]> = [
  ['fedora', { domain: 'docker.io', path: 'library/fedora' }],
  ['fedora:39', { domain: 'docker.io', path: 'library/fedora', tag: '39' }],
  ['library/fedora', { domain: 'docker.io', path: 'library/fedora' }],
  ['docker.io/fedora', { domain: 'docker.io', path: 'library/fedora' }],
  ['docker.io/library/fedora:latest', { domain: 'docker.io', path: 'library/fedora', tag: 'latest' }],
  ['index.docker.io/fedora', { domain: 'docker.io', path: 'library/fedora' }],
  ['index.docker.io/user/app:1', { domain: 'docker.io', path: 'user/app', tag: '1' }],
  ['user/app', { domain: 'docker.io', path: 'user/app' }],
  ['quay.io/a/b:c', { domain: 'quay.io', path: 'a/b', tag: 'c' }],
  ['quay.io/fedora', { domain: 'quay.io', path: 'fedora' }],
  ['localhost/foo', { domain: 'localhost', path: 'foo' }],
  ['localhost:5000/foo', { domain: 'localhost:5000', path: 'foo' }],
  ['127.0.0.1:5000/a/b:t', { domain: '127.0.0.1:5000', path: 'a/b', tag: 't' }],
  ['[::1]:5000/a', { domain: '[::1]:5000', path: 'a' }],
  ['[2001:db8::1]/repo:tag', { domain: '[2001:db8::1]', path: 'repo', tag: 'tag' }],
  ['test:5000/repo', { domain: 'test:5000', path: 'repo' }],
  ['Quay.IO/x', { domain: 'Quay.IO', path: 'x' }],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag' }],
  ['xn--n3h.com/myimage:xn--n3h.com', { domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com' }],
  // A single component is never a domain (splitDockerDomain).
  ['localhost', { domain: 'docker.io', path: 'library/localhost' }],
  ['example.com:5000', { domain: 'docker.io', path: 'library/example.com', tag: '5000' }],
  ['a__b/c.d_e/f---g', { domain: 'docker.io', path: 'a__b/c.d_e/f---g' }],
  ['fedora:Latest_1.2-x', { domain: 'docker.io', path: 'library/fedora', tag: 'Latest_1.2-x' }],
  [`fedora:${'t'.repeat(128)}`, { domain: 'docker.io', path: 'library/fedora', tag: 't'.repeat(128) }],
  [`fedora@${D256}`, { domain: 'docker.io', path: 'library/fedora', digest: D256 }],
  [`quay.io/a/b@${D512}`, { domain: 'quay.io', path: 'a/b', digest: D512 }],
  // Podman: the digest is the sole source of truth, the tag is dropped.
  [`fedora:39@${D256}`, { domain: 'docker.io', path: 'library/fedora', digest: D256 }],
  [`[::1]:5000/a:t@${D256}`, { domain: '[::1]:5000', path: 'a', digest: D256 }],
  // 64 hex is refused only as a short name, which would read as an image ID.
  [`docker.io/${HEX64}`, { domain: 'docker.io', path: `library/${HEX64}` }],
  [`localhost/${HEX64}:tag`, { domain: 'localhost', path: HEX64, tag: 'tag' }],
  ['localhost:65535/a', { domain: 'localhost:65535', path: 'a' }],
  // 255 characters once normalized.
  ['a'.repeat(237), { domain: 'docker.io', path: `library/${'a'.repeat(237)}` }],
];

for (const [input, want] of normalized) {
  test(`parseReference(${JSON.stringify(input.length > 60 ? `${input.slice(0, 40)}…` : input)})`, () => {
    assert.deepEqual(parseReference(input), want);
  });
}

const LONG_PATH = `${'a/'.repeat(128)}a`;
const rejected: Array<[input: string, reason: string]> = [
  ['', 'repository name must have at least one component'],
  ['Fedora:latest', 'repository name must be lowercase'],
  ['Foo/bar', 'repository name must be lowercase'],
  ['quay.io/Fedora', 'repository name must be lowercase'],
  ['localhost:5000/a/B:tag', 'repository name must be lowercase'],
  ['fedora:bad!tag', 'invalid tag "bad!tag"'],
  ['fedora:', 'invalid tag ""'],
  ['fedora:.x', 'invalid tag ".x"'],
  ['fedora:-x', 'invalid tag "-x"'],
  [`fedora:${'t'.repeat(129)}`, 'invalid tag: longer than 128 characters'],
  [`fedora@md5:${H256.slice(0, 32)}`, `invalid digest "md5:${H256.slice(0, 32)}": unsupported digest algorithm "md5"`],
  [`fedora@sha256:${H256.slice(1)}`, `invalid digest "sha256:${H256.slice(1)}": sha256 digest must have 64 hex characters, got 63`],
  [`fedora@sha512:${H256}`, `invalid digest "sha512:${H256}": sha512 digest must have 128 hex characters, got 64`],
  [`fedora@sha256:${H256.toUpperCase()}`, `invalid digest "sha256:${H256.toUpperCase()}": digest hex must be lowercase hexadecimal`],
  ['fedora@', 'invalid digest "": expected "<algorithm>:<hex>"'],
  [`fedora@${D256}@${D256}`, `invalid digest "${D256}@${D256}": sha256 digest must have 64 hex characters, got 136`],
  ['a//b', 'invalid reference format'],
  ['quay.io//b', 'invalid reference format'],
  ['/a', 'invalid reference format'],
  ['a/', 'invalid reference format'],
  ['quay.io/', 'invalid reference format'],
  ['a-', 'invalid reference format'],
  ['a_:tag', 'invalid reference format'],
  ['a.', 'invalid reference format'],
  ['a./b', 'invalid domain "a."'],
  ['-a', 'invalid reference format'],
  ['a___b', 'invalid reference format'],
  ['a..b', 'invalid reference format'],
  ['aa/asdf$$^/aa', 'invalid reference format'],
  [' fedora', 'invalid reference format'],
  [':tag', 'invalid reference format'],
  [`@${D256}`, 'invalid reference format'],
  ['[2001:db8::1]:5000', 'invalid reference format'],
  [HEX64, 'cannot specify 64-byte hexadecimal strings'],
  [`${HEX64}:tag`, 'cannot specify 64-byte hexadecimal strings'],
  [`${HEX64}@${D256}`, 'cannot specify 64-byte hexadecimal strings'],
  ['localhost:65536/foo', 'invalid port in domain "localhost:65536": 65536 is above 65535'],
  [`quay.io:${'9'.repeat(400)}/foo`, `invalid port in domain "quay.io:${'9'.repeat(400)}": ${'9'.repeat(400)} is above 65535`],
  [LONG_PATH, 'repository name too long (267 characters, at most 255)'],
  ['a'.repeat(238), 'repository name too long (256 characters, at most 255)'],
  ['localhost:abc/foo', 'invalid port in domain "localhost:abc"'],
  ['quay.io:/foo', 'invalid port in domain "quay.io:"'],
  ['quay.io:-1/foo', 'invalid port in domain "quay.io:-1"'],
  ['[::1]x/foo', 'invalid domain "[::1]x"'],
  ['[fe80::1%eth0]:5000/repo', 'invalid domain "[fe80::1%eth0]:5000"'],
  ['[::1/foo', 'invalid domain "[::1"'],
  ['foo_bar.com/x', 'invalid domain "foo_bar.com"'],
  ['-quay.io/x', 'invalid domain "-quay.io"'],
  ['quay-.io/x', 'invalid domain "quay-.io"'],
  ['quay..io/x', 'invalid domain "quay..io"'],
  ['docker://fedora', 'invalid reference format: unexpected transport prefix "docker://"'],
  ['docker://quay.io/a/b:c', 'invalid reference format: unexpected transport prefix "docker://"'],
];

for (const [input, reason] of rejected) {
  test(`parseReference rejects ${JSON.stringify(input.length > 60 ? `${input.slice(0, 40)}…` : input)}`, () => {
    assertInvalid(() => parseReference(input), input, reason);
  });
}

test('parseReferenceParts keeps the parts as written', () => {
  const cases: Array<[string, ReturnType<typeof parseReferenceParts>]> = [
    ['fedora', { path: 'fedora' }],
    ['fedora:39', { path: 'fedora', tag: '39' }],
    ['library/fedora', { path: 'library/fedora' }],
    ['user/app', { path: 'user/app' }],
    ['docker.io/fedora', { domain: 'docker.io', path: 'fedora' }],
    ['index.docker.io/fedora', { domain: 'index.docker.io', path: 'fedora' }],
    ['localhost/foo', { domain: 'localhost', path: 'foo' }],
    ['[::1]:5000/a', { domain: '[::1]:5000', path: 'a' }],
    [`quay.io/a/b:c@${D256}`, { domain: 'quay.io', path: 'a/b', tag: 'c', digest: D256 }],
    // reference.Parse accepts this; only normalization refuses it.
    ['a'.repeat(238), { path: 'a'.repeat(238) }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseReferenceParts(input), want, input);
});

test('parseReferenceParts rejects grammar violations', () => {
  assertInvalid(() => parseReferenceParts('Fedora'), 'Fedora', 'repository name must be lowercase');
  assertInvalid(() => parseReferenceParts(LONG_PATH), LONG_PATH, 'repository name too long (257 characters, at most 255)');
  assertInvalid(() => parseReferenceParts('fedora:a b'), 'fedora:a b', 'invalid tag "a b"');
  // Unlike reference.Parse: every name hoist takes may also be an image ID, so a short name of 64 hex is one.
  assertInvalid(() => parseReferenceParts(HEX64), HEX64, 'cannot specify 64-byte hexadecimal strings');
});

test('isShortName', () => {
  const cases: Array<[string, boolean]> = [
    ['fedora', true],
    ['fedora:39', true],
    ['user/app', true],
    ['library/fedora', true],
    [`fedora@${D256}`, true],
    ['localhost', true],
    ['docker.io/fedora', false],
    ['quay.io/fedora', false],
    ['localhost/foo', false],
    ['localhost:5000/foo', false],
    ['registry:5000/foo', false],
    ['[::1]/foo', false],
  ];
  for (const [input, want] of cases) assert.equal(isShortName(input), want, input);
  assertInvalid(() => isShortName('Fedora'), 'Fedora', 'repository name must be lowercase');
  assertInvalid(() => isShortName(''), '', 'repository name must have at least one component');
});

test('withDefaultTag adds latest only to a bare name, without mutating', () => {
  const bare = parseReference('fedora');
  const tagged = withDefaultTag(bare);
  assert.deepEqual(tagged, { domain: 'docker.io', path: 'library/fedora', tag: 'latest' });
  assert.equal(bare.tag, undefined);
  assert.notEqual(tagged, bare);

  const digested = parseReference(`fedora@${D256}`);
  const kept = withDefaultTag(digested);
  assert.deepEqual(kept, digested);
  assert.notEqual(kept, digested);
  assert.deepEqual(withDefaultTag(parseReference('fedora:39')), { domain: 'docker.io', path: 'library/fedora', tag: '39' });
});

test('repositoryName, formatReference and familiarString', () => {
  const cases: Array<[ref: ImageReference, repo: string, full: string, familiar: string]> = [
    [withDefaultTag(parseReference('fedora')), 'docker.io/library/fedora', 'docker.io/library/fedora:latest', 'fedora:latest'],
    [parseReference('fedora'), 'docker.io/library/fedora', 'docker.io/library/fedora', 'fedora'],
    [parseReference('user/app:1'), 'docker.io/user/app', 'docker.io/user/app:1', 'user/app:1'],
    [parseReference('library/a/b'), 'docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b'],
    [parseReference('quay.io/x/y:z'), 'quay.io/x/y', 'quay.io/x/y:z', 'quay.io/x/y:z'],
    [parseReference(`quay.io/a/b@${D256}`), 'quay.io/a/b', `quay.io/a/b@${D256}`, `quay.io/a/b@${D256}`],
    [parseReference('localhost:5000/foo:1'), 'localhost:5000/foo', 'localhost:5000/foo:1', 'localhost:5000/foo:1'],
    [
      { domain: 'docker.io', path: 'library/fedora', tag: '39', digest: D256 },
      'docker.io/library/fedora',
      `docker.io/library/fedora:39@${D256}`,
      `fedora:39@${D256}`,
    ],
  ];
  for (const [ref, repo, full, familiar] of cases) {
    assert.equal(repositoryName(ref), repo);
    assert.equal(formatReference(ref), full);
    assert.equal(familiarString(ref), familiar);
  }
});

test('formatReference round-trips through parseReference', () => {
  for (const input of ['fedora:39', 'quay.io/a/b:c', '[::1]:5000/a', `localhost/foo@${D512}`]) {
    const ref = parseReference(input);
    assert.deepEqual(parseReference(formatReference(ref)), ref);
  }
});
