import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCredentialsKey } from '../../../src/config/auth/index.js';
import { isHoistError } from '../../../src/errors.js';

describe('parseCredentialsKey (the key of hoist login/logout, as containers/common makes it)', () => {
  test('a registry, with or without a port, is its own key', () => {
    assert.deepEqual(parseCredentialsKey('quay.io'), { key: 'quay.io', registry: 'quay.io', path: '' });
    assert.deepEqual(parseCredentialsKey('localhost:5000'), { key: 'localhost:5000', registry: 'localhost:5000', path: '' });
  });

  test('a URL gives its host and port; its path is dropped', () => {
    assert.deepEqual(parseCredentialsKey('https://index.docker.io/v1/'), { key: 'index.docker.io', registry: 'index.docker.io', path: '' });
    assert.deepEqual(parseCredentialsKey('http://127.0.0.1:5000/x'), { key: '127.0.0.1:5000', registry: '127.0.0.1:5000', path: '' });
  });

  test('registry/namespace is kept as written, never normalized', () => {
    assert.deepEqual(parseCredentialsKey('docker.io/vendor'), { key: 'docker.io/vendor', registry: 'docker.io', path: 'vendor' });
    assert.deepEqual(parseCredentialsKey('quay.io/team/app'), { key: 'quay.io/team/app', registry: 'quay.io', path: 'team/app' });
  });

  test('a tag, a digest, or a namespace without its registry is refused', () => {
    assert.throws(
      () => parseCredentialsKey('quay.io/team/app:v1'),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && /contains tag or digest/.test(err.message),
    );
    assert.throws(
      () => parseCredentialsKey(`quay.io/team/app@sha256:${'a'.repeat(64)}`),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && /contains tag or digest/.test(err.message),
    );
    assert.throws(
      () => parseCredentialsKey('team/app'),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && /does not start with a registry host/.test(err.message),
    );
  });
});
