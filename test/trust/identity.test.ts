import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignedIdentity } from '../../src/config/policy/index.js';
import { parseReference } from '../../src/reference/index.js';
import { identityMatches } from '../../src/trust/index.js';

const digest = `sha256:${'b'.repeat(64)}`;
const image = (name: string) => parseReference(name);
const rule = <T extends SignedIdentity['type']>(type: T, extra: object = {}) => ({ type, ...extra }) as SignedIdentity;

test('matchRepoDigestOrExact: a tagged image needs exactly that tag; a digest image only the repository', () => {
  const r = rule('matchRepoDigestOrExact');
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app:1'), true);
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app:2'), false);
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/other:1'), false);
  assert.equal(identityMatches(r, image(`quay.io/ns/app@${digest}`), 'quay.io/ns/app:whatever'), true);
  assert.equal(identityMatches(r, image(`quay.io/ns/app@${digest}`), 'quay.io/ns/other:1'), false);
  // A name-only signature never matches, and signed names are normalized like user input.
  assert.equal(identityMatches(r, image(`quay.io/ns/app@${digest}`), 'quay.io/ns/app'), false);
  assert.equal(identityMatches(r, image('docker.io/library/busybox:latest'), 'busybox:latest'), true);
});

test('matchExact: both sides tagged or digested and equal; a digest pull does not match a tagged signature', () => {
  const r = rule('matchExact');
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app:1'), true);
  assert.equal(identityMatches(r, image(`quay.io/ns/app@${digest}`), 'quay.io/ns/app:1'), false);
  assert.equal(identityMatches(r, image(`quay.io/ns/app@${digest}`), `quay.io/ns/app@${digest}`), true);
});

test('matchRepository accepts any tag of the repository', () => {
  const r = rule('matchRepository');
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app:2'), true);
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app'), true);
  assert.equal(identityMatches(r, image('quay.io/ns/app:1'), 'quay.io/ns/app2:1'), false);
});

test('exactReference and exactRepository ignore the image, so they also work for images without a Docker identity', () => {
  assert.equal(identityMatches(rule('exactReference', { dockerReference: 'quay.io/ns/app:1' }), undefined, 'quay.io/ns/app:1'), true);
  assert.equal(identityMatches(rule('exactReference', { dockerReference: 'quay.io/ns/app:1' }), undefined, 'quay.io/ns/app:2'), false);
  assert.equal(identityMatches(rule('exactRepository', { dockerRepository: 'quay.io/ns/app' }), undefined, 'quay.io/ns/app:7'), true);
  assert.equal(identityMatches(rule('exactRepository', { dockerRepository: 'quay.io/ns/app' }), undefined, 'quay.io/ns/other:7'), false);
  // The others need the image's Docker reference, which oci:, dir: and archives do not have.
  assert.equal(identityMatches(rule('matchRepository'), undefined, 'quay.io/ns/app:1'), false);
});

test('remapIdentity replaces the prefix once (whole components only), then matches as matchRepoDigestOrExact', () => {
  const r = rule('remapIdentity', { prefix: 'mirror.example.com/team', signedPrefix: 'quay.io/team' });
  assert.equal(identityMatches(r, image('mirror.example.com/team/app:1'), 'quay.io/team/app:1'), true);
  assert.equal(identityMatches(r, image('mirror.example.com/team/app:1'), 'quay.io/team/app:2'), false);
  // "team2" is not below "team": no remap, so the image's own name must be signed.
  assert.equal(identityMatches(r, image('mirror.example.com/team2/app:1'), 'quay.io/team2/app:1'), false);
  assert.equal(identityMatches(r, image('mirror.example.com/team2/app:1'), 'mirror.example.com/team2/app:1'), true);
});

test('a signed reference that does not parse matches nothing', () => {
  assert.equal(identityMatches(rule('matchRepository'), image('quay.io/ns/app:1'), 'Not A Reference!'), false);
});
