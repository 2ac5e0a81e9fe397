import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistriesConfText, pullSources } from '../../../src/config/registries/index.js';
import { isHoistError } from '../../../src/errors.js';
import { formatReference, parseReference } from '../../../src/reference/index.js';

const FILE = '/conf/registries.conf';
const DIGEST = `sha256:${'d'.repeat(64)}`;

/** The references pullSources gives for `name`, or the message of its error. */
function sources(conf: string, name: string): string[] {
  return pullSources(parseRegistriesConfText(conf, FILE), parseReference(name)).map((s) => formatReference(s.reference));
}

function assertNotCanonical(conf: string, name: string, rewritten: string, prefix: string): void {
  assert.throws(
    () => sources(conf, name),
    (err: unknown) =>
      isHoistError(err, 'INVALID_CONFIG') &&
      err.message === `rewriting reference "${name}" to "${rewritten}" (prefix "${prefix}" in ${FILE}): repository name must be canonical` &&
      err.hint !== undefined,
  );
}

describe('pullSources: a rewritten name must be canonical, never normalized', () => {
  it('a location without the path leaves a short name, which is refused, not sent to docker.io', () => {
    const conf = '[[registry]]\nprefix = "example.com/foo"\nlocation = "example.com"\n';
    assertNotCanonical(conf, `example.com/foo@${DIGEST}`, `example.com@${DIGEST}`, 'example.com/foo');
  });

  it('a host without a path for a prefix that is a whole repository: "host:tag" is refused', () => {
    const conf = '[[registry]]\nprefix = "quay.io/myorg/app"\nlocation = "internal.example.com"\n';
    assertNotCanonical(conf, 'quay.io/myorg/app:latest', 'internal.example.com:latest', 'quay.io/myorg/app');
  });

  it('a rewrite that normalization would change (docker.io/x is docker.io/library/x) is refused', () => {
    const conf = '[[registry]]\nprefix = "example.com"\nlocation = "docker.io"\n';
    assertNotCanonical(conf, 'example.com/busybox:1', 'docker.io/busybox:1', 'example.com');
  });

  it('mirrors are rewritten by the same rule', () => {
    const conf = '[[registry]]\nprefix = "quay.io/myorg/app"\nlocation = "quay.io/myorg/app"\n[[registry.mirror]]\nlocation = "mirror.local"\n';
    assertNotCanonical(conf, `quay.io/myorg/app@${DIGEST}`, `mirror.local@${DIGEST}`, 'quay.io/myorg/app');
  });

  it('canonical rewrites stay as they were', () => {
    const conf = '[[registry]]\nprefix = "example.com"\nlocation = "docker.io/library"\n[[registry.mirror]]\nlocation = "localhost:5000/cache"\n';
    assert.deepEqual(sources(conf, 'example.com/busybox:1'), ['localhost:5000/cache/busybox:1', 'docker.io/library/busybox:1']);
  });
});
