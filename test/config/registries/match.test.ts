import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findRegistry, parseRegistriesConfText, prefixMatchLength, pullSources, type PullSource } from '../../../src/config/registries/index.js';
import { isHoistError } from '../../../src/errors.js';
import { formatReference, parseReference } from '../../../src/reference/index.js';

const FILE = '/conf/registries.conf';
const DIGEST = `sha256:${'c'.repeat(64)}`;

function registries(...tables: string[][]): string {
  return `${tables.map((table) => ['[[registry]]', ...table].join('\n')).join('\n')}\n`;
}

describe('prefix matching', () => {
  const cases: [reference: string, prefix: string, length: number][] = [
    ['example.com', 'example.com', 11],
    ['example.com/foo', 'example.com', 11],
    ['example.com:5000/foo', 'example.com', 11], // containers/image's documented quirk
    [`example.com/foo@${DIGEST}`, 'example.com/foo', 15],
    ['example.com/foo:tag', 'example.com/foo', 15],
    ['example.community/foo', 'example.com', -1],
    ['example.com/foobar', 'example.com/foo', -1],
    ['example.co', 'example.com', -1],
    ['a.example.com/foo', '*.example.com', 13],
    ['a.b.example.com', '*.example.com', 15],
    ['a.example.com:5000/foo', '*.example.com', 13],
    ['example.com/foo', '*.example.com', -1],
    ['a.example.com.evil/foo', '*.example.com', -1],
    ['evil.io/a.example.com/foo', '*.example.com', -1],
  ];
  for (const [reference, prefix, length] of cases) {
    it(`${reference} vs ${prefix} → ${length}`, () => {
      assert.equal(prefixMatchLength(reference, prefix), length);
    });
  }
});

describe('findRegistry: the longest matching prefix', () => {
  const conf = parseRegistriesConfText(
    registries(
      ['location = "example.com"'],
      ['location = "example.com/foo"'],
      ['location = "example.com/foo/bar:v1"'],
      ['prefix = "*.wild.io"'],
      ['prefix = "*.sub.wild.io"'],
      ['location = "docker.io/library/busybox"'],
    ),
    FILE,
  );
  const cases: [reference: string, prefix: string | undefined][] = [
    ['example.com', 'example.com'],
    ['example.com/x:1', 'example.com'],
    ['example.com:5000/x', 'example.com'],
    ['example.community/x', undefined],
    ['example.com/foo/x', 'example.com/foo'],
    [`example.com/foo@${DIGEST}`, 'example.com/foo'],
    ['example.com/foobar/x', 'example.com'],
    ['example.com/foo/bar:v1', 'example.com/foo/bar:v1'],
    ['example.com/foo/bar:v2', 'example.com/foo'],
    ['a.wild.io/x', '*.wild.io'],
    ['deep.a.wild.io/x', '*.wild.io'],
    ['x.sub.wild.io/y', '*.sub.wild.io'],
    ['wild.io/x', undefined],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox'],
    ['docker.io/library/busybox2:latest', undefined],
  ];
  for (const [reference, prefix] of cases) {
    it(`${reference} → ${prefix ?? 'none'}`, () => {
      assert.equal(findRegistry(conf, reference)?.prefix, prefix);
    });
  }
});

describe('pullSources', () => {
  const conf = parseRegistriesConfText(
    [
      registries(
        ['prefix = "example.com/foo"', 'location = "internal.example.net/bar"', 'insecure = true'],
        ['location = "blocked.io"', 'blocked = true'],
        ['prefix = "*.wild.io"'],
        ['prefix = "*.moved.io"', 'location = "new.io"'],
      ),
      '[[registry]]\nlocation = "docker.io/library/busybox"',
      '[[registry.mirror]]\nlocation = "all.local/bb"\ninsecure = true',
      '[[registry.mirror]]\nlocation = "digest.local/bb"\npull-from-mirror = "digest-only"',
      '[[registry.mirror]]\nlocation = "tag.local/bb"\npull-from-mirror = "tag-only"',
      '[[registry]]\nlocation = "quay.io/team"\nmirror-by-digest-only = true',
      '[[registry.mirror]]\nlocation = "m1.local/team"',
      '[[registry.mirror]]\nlocation = "m2.local/team"',
      '[[registry]]\nprefix = "*.mirrored.io"',
      '[[registry.mirror]]\nlocation = "cache.local"',
    ].join('\n'),
    FILE,
  );

  const show = (sources: PullSource[]) => sources.map((s) => `${formatReference(s.reference)}${s.mirror ? ' mirror' : ''}${s.insecure ? ' insecure' : ''}`);
  const cases: [name: string, reference: string, expected: string[]][] = [
    ['unconfigured: itself, secure', 'ghcr.io/a/b:1', ['ghcr.io/a/b:1']],
    ['location replaces the matched prefix', 'example.com/foo/img:1', ['internal.example.net/bar/img:1 insecure']],
    ['location rewriting keeps a digest', `example.com/foo/a/b@${DIGEST}`, [`internal.example.net/bar/a/b@${DIGEST} insecure`]],
    ['a sibling of the prefix is not rewritten', 'example.com/foobar/img:1', ['example.com/foobar/img:1']],
    ['wildcard without location: used as written', 'x.wild.io/img:1', ['x.wild.io/img:1']],
    ['wildcard with location: the host is replaced', 'x.moved.io/img:1', ['new.io/img:1']],
    ['wildcard mirrors rewrite the host', 'x.mirrored.io/a/img:1', ['cache.local/a/img:1 mirror', 'x.mirrored.io/a/img:1']],
    [
      'tag pull: all and tag-only mirrors, then the primary',
      'busybox',
      ['all.local/bb:latest mirror insecure', 'tag.local/bb:latest mirror', 'docker.io/library/busybox:latest'],
    ],
    [
      'digest pull: all and digest-only mirrors, then the primary',
      `busybox@${DIGEST}`,
      [`all.local/bb@${DIGEST} mirror insecure`, `digest.local/bb@${DIGEST} mirror`, `docker.io/library/busybox@${DIGEST}`],
    ],
    ['mirror-by-digest-only, by tag: the primary only', 'quay.io/team/app:2', ['quay.io/team/app:2']],
    [
      'mirror-by-digest-only, by digest: mirrors in order, then the primary',
      `quay.io/team/app@${DIGEST}`,
      [`m1.local/team/app@${DIGEST} mirror`, `m2.local/team/app@${DIGEST} mirror`, `quay.io/team/app@${DIGEST}`],
    ],
  ];
  for (const [name, reference, expected] of cases) {
    it(name, () => {
      const ref = parseReference(reference);
      assert.deepEqual(show(pullSources(conf, ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref)), expected);
    });
  }

  it('a blocked registry throws BLOCKED_REGISTRY naming the prefix and file', () => {
    assert.throws(
      () => pullSources(conf, parseReference('blocked.io/x/y:1')),
      (err: unknown) => isHoistError(err, 'BLOCKED_REGISTRY') && err.message === `registry blocked.io is blocked in ${FILE}`,
    );
  });

  it('a wildcard table can block a whole domain', () => {
    const blocking = parseRegistriesConfText(registries(['prefix = "*.evil.io"', 'blocked = true']), FILE);
    assert.throws(
      () => pullSources(blocking, parseReference('cdn.evil.io/x:1')),
      (err: unknown) => isHoistError(err, 'BLOCKED_REGISTRY'),
    );
    assert.equal(pullSources(blocking, parseReference('evil.io/x:1')).length, 1);
  });
});
