import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerScopes, parseReference } from '../../src/reference/index.js';

test('docker scopes: identity, repository, each parent namespace, host with port, then wildcards of the port-less host', () => {
  assert.deepEqual(dockerScopes(parseReference('reg.example.com:5000/ns/sub/repo:tag')), [
    'reg.example.com:5000/ns/sub/repo:tag',
    'reg.example.com:5000/ns/sub/repo',
    'reg.example.com:5000/ns/sub',
    'reg.example.com:5000/ns',
    'reg.example.com:5000',
    '*.example.com',
    '*.com',
  ]);
});

test('docker scopes: a digest reference is its own most specific scope; docker.io names are normalized', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(dockerScopes(parseReference(`busybox@${digest}`)), [
    `docker.io/library/busybox@${digest}`,
    'docker.io/library/busybox',
    'docker.io/library',
    'docker.io',
    '*.io',
  ]);
});

test('docker scopes: an IP address has no parent domains to wildcard', () => {
  assert.deepEqual(dockerScopes(parseReference('127.0.0.1:5000/app:1')), ['127.0.0.1:5000/app:1', '127.0.0.1:5000/app', '127.0.0.1:5000']);
});
