import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoistError } from '../../src/errors.js';
import { parseImageName, splitPathAndReference, type ImageName } from '../../src/transports/index.js';

const parsed: Array<[input: string, want: ImageName]> = [
  ['docker://fedora', { transport: 'docker', reference: 'fedora' }],
  ['docker://quay.io/a/b:c', { transport: 'docker', reference: 'quay.io/a/b:c' }],
  ['docker://localhost:5000/x', { transport: 'docker', reference: 'localhost:5000/x' }],
  // No transport: a registry name, even when what precedes the colon is a transport's name.
  ['fedora', { transport: 'docker', reference: 'fedora' }],
  ['fedora:39', { transport: 'docker', reference: 'fedora:39' }],
  ['docker:latest', { transport: 'docker', reference: 'docker:latest' }],
  ['docker', { transport: 'docker', reference: 'docker' }],
  ['localhost:5000/x', { transport: 'docker', reference: 'localhost:5000/x' }],
  ['quay.io/a/b@sha256:abc', { transport: 'docker', reference: 'quay.io/a/b@sha256:abc' }],
  ['docker-archive:./img.tar', { transport: 'docker-archive', reference: './img.tar' }],
  ['docker-archive:/a/img.tar:fedora:39', { transport: 'docker-archive', reference: '/a/img.tar:fedora:39' }],
  ['oci:./layout', { transport: 'oci', reference: './layout' }],
  ['oci:./layout:1.0', { transport: 'oci', reference: './layout:1.0' }],
  ['oci:/l:docker.io/library/fedora:latest', { transport: 'oci', reference: '/l:docker.io/library/fedora:latest' }],
  ['oci-archive:img.tar:@1', { transport: 'oci-archive', reference: 'img.tar:@1' }],
  ['dir:/tmp/image', { transport: 'dir', reference: '/tmp/image' }],
];

for (const [input, want] of parsed) {
  test(`parseImageName(${JSON.stringify(input)})`, () => {
    assert.deepEqual(parseImageName(input), want);
  });
}

const supportedList = 'docker://, docker-archive:, oci:, oci-archive:, dir:';

const rejected: Array<[input: string, code: string, message: string]> = [
  ['oci:', 'INVALID_TRANSPORT', 'invalid image name "oci:": oci: needs a path'],
  ['dir:', 'INVALID_TRANSPORT', 'invalid image name "dir:": dir: needs a path'],
  ['oci-archive:', 'INVALID_TRANSPORT', 'invalid image name "oci-archive:": oci-archive: needs a path'],
  ['docker-archive:', 'INVALID_TRANSPORT', 'invalid image name "docker-archive:": docker-archive: needs a path'],
  ['docker://', 'INVALID_TRANSPORT', 'invalid image name "docker://": docker:// needs an image name'],
  ...['containers-storage', 'docker-daemon', 'ostree', 'sif', 'tarball', 'atomic'].map((t): [string, string, string] => [
    `${t}:x`,
    'UNSUPPORTED_TRANSPORT',
    `unsupported transport "${t}" in "${t}:x": hoist pulls from ${supportedList}`,
  ]),
];

for (const [input, code, message] of rejected) {
  test(`parseImageName(${JSON.stringify(input)}) is refused`, () => {
    assert.throws(
      () => parseImageName(input),
      (err: unknown) => {
        assert.ok(err instanceof HoistError);
        assert.equal(err.code, code);
        assert.equal(err.message, message);
        return true;
      },
    );
  });
}

const split: Array<[input: string, want: { path: string; ref?: string }]> = [
  ['./layout', { path: './layout' }],
  ['./layout:', { path: './layout' }],
  ['./layout:1.0', { path: './layout', ref: '1.0' }],
  ['/l:docker.io/library/fedora:latest', { path: '/l', ref: 'docker.io/library/fedora:latest' }],
  ['/l:localhost:5000/x:1', { path: '/l', ref: 'localhost:5000/x:1' }],
  ['l:@2', { path: 'l', ref: '@2' }],
];

for (const [input, want] of split) {
  test(`splitPathAndReference(${JSON.stringify(input)})`, () => {
    assert.deepEqual(splitPathAndReference(input), want);
  });
}

test('splitPathAndReference refuses an empty path before a REF (never the current directory)', () => {
  assert.throws(() => splitPathAndReference(':1.0'), { code: 'INVALID_TRANSPORT', message: 'invalid image name ":1.0": the path before ":" is empty' });
});
