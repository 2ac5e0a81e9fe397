import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from '../../src/registry/challenge.js';

test('a Bearer challenge with quoted parameters', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' } },
  ]);
});

test('insufficient_scope, escaped quotes, unquoted values, several challenges and headers', () => {
  assert.deepEqual(parseChallenges(['Basic realm="a \\"b\\"", Bearer realm=https://x/token, error="insufficient_scope"', 'Negotiate']), [
    { scheme: 'basic', params: { realm: 'a "b"' } },
    { scheme: 'bearer', params: { realm: 'https://x/token', error: 'insufficient_scope' } },
    { scheme: 'negotiate', params: {} },
  ]);
});

test('nothing to parse', () => {
  assert.deepEqual(parseChallenges(undefined), []);
  assert.deepEqual(parseChallenges(''), []);
});
