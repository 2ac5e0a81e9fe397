import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isHoistError } from '../../src/errors.js';
import { parseTransportName, transportPrefix, transports, unsupportedTransports } from '../../src/transports/index.js';
import { withTempDir } from '../helpers/tmp.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('every line of the table parses its own names, and only a registry line has no path', () => {
  for (const transport of transports) {
    const named = parseTransportName(`${transportPrefix(transport.name)}quay.io/x/y:1`);
    assert.equal(named.transport, transport, transport.name);
    assert.equal(named.kind, transport.kind);
  }
  assert.deepEqual(
    transports.filter((t) => t.kind === 'registry').map((t) => t.name),
    ['docker'],
  );
});

test("the unsupported transports' message lists exactly the table's transports, in its order", () => {
  const listed = transports.map((t) => transportPrefix(t.name)).join(', ');
  for (const name of unsupportedTransports) {
    assert.ok(!transports.some((t) => t.name === name), `${name} is both in the table and unsupported`);
    assert.throws(
      () => parseTransportName(`${name}:x`),
      (err: unknown) =>
        isHoistError(err, 'UNSUPPORTED_TRANSPORT') && err.message === `unsupported transport "${name}" in "${name}:x": hoist pulls from ${listed}`,
    );
  }
});

test('parse is pure: a name whose path does not exist parses, selector and all', () => {
  const missing = '/nonexistent/hoist-parse';
  const cases: Array<[name: string, want: Record<string, unknown>]> = [
    [`oci:${missing}:v1`, { path: missing, selector: { ref: 'v1' } }],
    [`oci:${missing}:docker.io/library/fedora:latest`, { path: missing, selector: { ref: 'docker.io/library/fedora:latest' } }],
    [`oci:${missing}:@2`, { path: missing, selector: { position: 2 } }],
    [`oci-archive:${missing}.tar:1.0`, { path: `${missing}.tar`, selector: { ref: '1.0' } }],
    [`oci-archive:${missing}.tar`, { path: `${missing}.tar`, selector: undefined }],
    [`docker-archive:${missing}.tar:fedora:39`, { path: `${missing}.tar`, selector: { tag: 'docker.io/library/fedora:39' } }],
    [`docker-archive:${missing}.tar:@0`, { path: `${missing}.tar`, selector: { position: 0 } }],
    [`dir:${missing}:with:colons`, { path: `${missing}:with:colons` }],
  ];
  for (const [name, want] of cases) {
    const named = parseTransportName(name);
    assert.equal(named.kind, 'local');
    assert.deepEqual(named.parsed, { description: name, ...want }, name);
  }
});

test('a malformed selector fails at parse, before the file is touched (a FIFO, which an open would wait on)', () =>
  withTempDir(async (dir) => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const refused: Array<[name: string, code: string, message: string]> = [
      [`oci:${fifo}:@x`, 'INVALID_REFERENCE', `oci:${fifo}:@x: invalid image position "@x": expected @N with N a number`],
      [`oci-archive:${fifo}:@-1`, 'INVALID_REFERENCE', `oci-archive:${fifo}:@-1: invalid image position "@-1": expected @N with N a number`],
      [`docker-archive:${fifo}:@-1`, 'INVALID_REFERENCE', `docker-archive:${fifo}:@-1: invalid image position "@-1": expected @N with N a number`],
      [`docker-archive:${fifo}:@`, 'INVALID_REFERENCE', `docker-archive:${fifo}:@: invalid image position "@": expected @N with N a number`],
      [
        `oci:${fifo}:-v1`,
        'INVALID_REFERENCE',
        `oci:${fifo}:-v1: invalid ref name "-v1": expected letters and digits, joined by . _ - : @ + or / (the OCI image-spec's ref.name grammar)`,
      ],
      [
        `oci-archive:${fifo}:a//b`,
        'INVALID_REFERENCE',
        `oci-archive:${fifo}:a//b: invalid ref name "a//b": expected letters and digits, joined by . _ - : @ + or / (the OCI image-spec's ref.name grammar)`,
      ],
      [
        `oci:${fifo}:v 1`,
        'INVALID_REFERENCE',
        `oci:${fifo}:v 1: invalid ref name "v 1": expected letters and digits, joined by . _ - : @ + or / (the OCI image-spec's ref.name grammar)`,
      ],
      [`docker-archive:${fifo}:a@${DIGEST}`, 'INVALID_REFERENCE', `docker-archive doesn't support digest references: a@${DIGEST}`],
      [`oci::v1`, 'INVALID_TRANSPORT', 'invalid image name ":v1": the path before ":" is empty'],
    ];
    for (const [name, code, message] of refused) {
      // parse is synchronous: it throws before any I/O could start.
      assert.throws(
        () => parseTransportName(name),
        (err: unknown) => isHoistError(err, code as 'INVALID_REFERENCE') && err.message === message,
        name,
      );
    }
    assert.throws(
      () => parseTransportName(`docker-archive:${fifo}:Upper:1`),
      (err: unknown) => isHoistError(err, 'INVALID_REFERENCE') && /Upper:1/.test(err.message),
    );
  }));

test('docker:// names are normalized for the pull at parse; bare names are kept for short-name resolution', () => {
  assert.deepEqual(parseTransportName('docker://fedora').parsed, { reference: 'fedora', pullName: 'docker.io/library/fedora' });
  assert.deepEqual(parseTransportName('docker:latest').parsed, { reference: 'docker:latest', pullName: 'docker:latest' });
  assert.deepEqual(parseTransportName('fedora:39').parsed, { reference: 'fedora:39', pullName: 'fedora:39' });
  assert.throws(
    () => parseTransportName('docker://Fedora'),
    (err: unknown) => isHoistError(err, 'INVALID_REFERENCE'),
  );
});
