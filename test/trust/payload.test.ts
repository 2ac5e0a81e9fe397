import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCosignPayload, parseSimpleSigningPayload } from '../../src/trust/payload.js';
import { SignatureRejection } from '../../src/trust/rejection.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const REFERENCE = 'docker.io/library/busybox:latest';

/** A payload with `critical` and `optional` replaced or dropped (`undefined`) as given. */
function payload(type: string, parts: { critical?: unknown; optional?: unknown } = {}): string {
  const critical = { type, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': REFERENCE } };
  const doc: Record<string, unknown> = { critical, optional: { creator: 'skopeo 1.9', timestamp: 1700000000 } };
  for (const key of ['critical', 'optional'] as const) {
    if (key in parts) {
      if (parts[key] === undefined) delete doc[key];
      else doc[key] = parts[key];
    }
  }
  return JSON.stringify(doc);
}

const SIMPLE = 'atomic container signature';
const COSIGN = 'cosign container image signature';
const bytes = (text: string) => Buffer.from(text, 'utf8');

function rejects(parse: (b: Uint8Array) => unknown, text: string, message: string): void {
  assert.throws(
    () => parse(bytes(text)),
    (err: unknown) => {
      assert.ok(err instanceof SignatureRejection, String(err));
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('simple-signing payload', () => {
  test('a payload as skopeo writes it', () => {
    assert.deepEqual(parseSimpleSigningPayload(bytes(payload(SIMPLE))), { dockerManifestDigest: DIGEST, dockerReference: REFERENCE });
  });

  test('field order and whitespace do not matter', () => {
    const text = `{ "optional": {},\n "critical": { "identity": {"docker-reference": "${REFERENCE}"}, "type": "${SIMPLE}", "image": {"docker-manifest-digest": "${DIGEST}"} } }`;
    assert.deepEqual(parseSimpleSigningPayload(bytes(text)), { dockerManifestDigest: DIGEST, dockerReference: REFERENCE });
  });

  test('optional: unknown fields are ignored, an integral float is an integer', () => {
    const optional = { creator: 'x', timestamp: 1.7e9, 'io.example/anything': { nested: [1, 2] } };
    assert.equal(parseSimpleSigningPayload(bytes(payload(SIMPLE, { optional }))).dockerReference, REFERENCE);
  });

  const bad: [string, string, string][] = [
    ['a cosign type', payload(COSIGN), 'Unrecognized signature type cosign container image signature'],
    [
      'an unknown critical field',
      payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': REFERENCE }, extra: 1 } }),
      'Unknown key "extra"',
    ],
    [
      'an unknown image field',
      payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': DIGEST, size: 1 }, identity: { 'docker-reference': REFERENCE } } }),
      'Unknown key "size"',
    ],
    [
      'an unknown identity field',
      payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': REFERENCE, tag: 'x' } } }),
      'Unknown key "tag"',
    ],
    [
      'a missing critical field',
      payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': DIGEST } } }),
      'Key "identity" missing in a JSON object',
    ],
    [
      'a missing digest',
      payload(SIMPLE, { critical: { type: SIMPLE, image: {}, identity: { 'docker-reference': REFERENCE } } }),
      'Key "docker-manifest-digest" missing in a JSON object',
    ],
    ['an unknown top-level field', JSON.stringify({ ...JSON.parse(payload(SIMPLE)), extra: true }), 'Unknown key "extra"'],
    ['no optional', payload(SIMPLE, { optional: undefined }), 'Key "optional" missing in a JSON object'],
    ['a null optional (only cosign may)', payload(SIMPLE, { optional: null }), 'JSON object expected, got null'],
    ['no critical', payload(SIMPLE, { critical: undefined }), 'Key "critical" missing in a JSON object'],
    ['critical as an array', payload(SIMPLE, { critical: [] }), 'JSON object expected, got an array'],
    ['a fractional timestamp', payload(SIMPLE, { optional: { timestamp: 1.5 } }), 'Field optional.timestamp is not an integer'],
    ['a timestamp as a string', payload(SIMPLE, { optional: { timestamp: '1700000000' } }), 'json: cannot unmarshal string into Go value of type float64'],
    ['a creator as a number', payload(SIMPLE, { optional: { creator: 7 } }), 'json: cannot unmarshal number into Go value of type string'],
    [
      'a type as a boolean',
      payload(SIMPLE, { critical: { type: true, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': REFERENCE } } }),
      'json: cannot unmarshal bool into Go value of type string',
    ],
    [
      'an invalid digest',
      payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': 'sha256:abc' }, identity: { 'docker-reference': REFERENCE } } }),
      'invalid docker-manifest-digest value "sha256:abc": sha256 digest must have 64 hex characters, got 3',
    ],
    ['a duplicated top-level key', `{"critical":{},${payload(SIMPLE).slice(1)}`, 'Duplicate key "critical"'],
    [
      'a duplicated nested key',
      payload(SIMPLE).replace('"docker-reference":', '"docker-reference":"evil.example/x","docker-reference":'),
      'Duplicate key "docker-reference"',
    ],
    [
      'a duplicated key inside optional',
      payload(SIMPLE, { optional: {} }).replace('"optional":{}', '"optional":{"timestamp":1,"timestamp":2}'),
      'Duplicate key "timestamp"',
    ],
    ['a JSON array', '[]', 'JSON object expected, found "["'],
    ['trailing data', `${payload(SIMPLE)} {}`, 'Unexpected data after JSON object'],
  ];
  for (const [what, text, message] of bad) {
    test(`rejects ${what}`, () => rejects(parseSimpleSigningPayload, text, message));
  }

  test('JSON null in a string field is Go’s empty string (upstream rejects it later, by identity)', () => {
    const text = payload(SIMPLE, { critical: { type: SIMPLE, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': null } } });
    assert.equal(parseSimpleSigningPayload(bytes(text)).dockerReference, '');
  });

  test('invalid JSON is a rejection, not a crash', () => {
    assert.throws(() => parseSimpleSigningPayload(bytes('{"critical":')), SignatureRejection);
    assert.throws(() => parseSimpleSigningPayload(Buffer.from([0xff, 0xfe])), SignatureRejection);
  });
});

describe('cosign payload', () => {
  test('exactly what cosign sign writes, with "optional": null', () => {
    const text = `{"critical":{"identity":{"docker-reference":"quay.io/ns/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`;
    assert.deepEqual(parseCosignPayload(bytes(text)), { dockerManifestDigest: DIGEST, dockerReference: 'quay.io/ns/app' });
  });

  test('annotations in optional are ignored; timestamp must still be an integer', () => {
    assert.equal(parseCosignPayload(bytes(payload(COSIGN, { optional: { sha: 'abc', timestamp: 5 } }))).dockerManifestDigest, DIGEST);
    rejects(parseCosignPayload, payload(COSIGN, { optional: { timestamp: 0.25 } }), 'Field optional.timestamp is not an integer');
  });

  test('optional must still be present (cosign always writes it)', () => {
    rejects(parseCosignPayload, payload(COSIGN, { optional: undefined }), 'Key "optional" missing in a JSON object');
  });

  test('a simple-signing type is not a cosign payload', () => {
    rejects(parseCosignPayload, payload(SIMPLE), 'Unrecognized signature type atomic container signature');
  });

  test('unknown critical fields and duplicates reject as for simple signing', () => {
    rejects(
      parseCosignPayload,
      payload(COSIGN, {
        critical: { type: COSIGN, image: { 'docker-manifest-digest': DIGEST }, identity: { 'docker-reference': REFERENCE }, annotations: {} },
      }),
      'Unknown key "annotations"',
    );
    rejects(parseCosignPayload, payload(COSIGN).replace('"type":', '"type":"x","type":'), 'Duplicate key "type"');
  });
});
