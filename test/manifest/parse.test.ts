import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoistError } from '../../src/errors.js';
import { digestBytes, parseImageConfig, parseManifest, verifyBytes } from '../../src/manifest/index.js';
import { buildImage, buildIndex, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, sha256 } from '../helpers/images.js';

const image = buildImage();
const dockerImage = buildImage({ format: 'docker' });
const manifestDoc = JSON.parse(image.manifest.data.toString()) as Record<string, unknown> & { layers: Record<string, unknown>[] };
const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const exactly = (s: string) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
const withLayer = (layer: Record<string, unknown>) => json({ ...manifestDoc, layers: [{ ...manifestDoc.layers[0], ...layer }] });

test('parseManifest reads an OCI manifest', () => {
  const m = parseManifest(image.manifest.data, OCI_MANIFEST, 'test');
  assert.equal(m.kind, 'manifest');
  assert.equal(m.mediaType, OCI_MANIFEST);
  assert.ok(m.kind === 'manifest');
  assert.equal(m.config.digest, image.config.digest);
  assert.deepEqual(
    m.layers.map((l) => [l.digest, l.size]),
    image.layers.map((l) => [l.digest, l.size]),
  );
});

test('parseManifest reads Docker v2s2 manifests and lists, OCI indexes', () => {
  assert.equal(parseManifest(dockerImage.manifest.data, DOCKER_MANIFEST, 't').mediaType, DOCKER_MANIFEST);
  const oci = parseManifest(buildIndex([image]).index.data, OCI_INDEX, 't');
  assert.ok(oci.kind === 'index');
  assert.equal(oci.manifests[0]!.digest, image.manifest.digest);
  assert.equal(parseManifest(buildIndex([dockerImage], 'docker').index.data, DOCKER_LIST, 't').mediaType, DOCKER_LIST);
});

test('parseManifest infers the type when neither document nor transport names one', () => {
  const { mediaType: _m, ...bare } = manifestDoc;
  assert.equal(parseManifest(json(bare), '', 't').mediaType, OCI_MANIFEST);
  assert.equal(parseManifest(json({ schemaVersion: 2, manifests: [] }), undefined, 't').mediaType, OCI_INDEX);
  // Generic content types and parameters say nothing against the document.
  assert.equal(parseManifest(image.manifest.data, 'application/json', 't').mediaType, OCI_MANIFEST);
  assert.equal(parseManifest(image.manifest.data, `${OCI_MANIFEST}; charset=utf-8`, 't').mediaType, OCI_MANIFEST);
});

const rejected: Array<[what: string, bytes: Buffer, contentType: string | undefined, code: string, message: RegExp]> = [
  ['not JSON', Buffer.from('{"schemaVersion": 2,'), OCI_MANIFEST, 'INVALID_MANIFEST', /^where: manifest is not valid JSON: /],
  ['a JSON array', json([1]), OCI_MANIFEST, 'INVALID_MANIFEST', /^where: manifest is not a JSON object$/],
  ['schemaVersion 1', json({ schemaVersion: 1, name: 'x', fsLayers: [] }), '', 'UNSUPPORTED_MANIFEST', /^where: schema 1 images are not supported$/],
  [
    'a schema 1 content type',
    image.manifest.data,
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
    'UNSUPPORTED_MANIFEST',
    /^where: schema 1 images are not supported$/,
  ],
  ['schemaVersion 3', json({ ...manifestDoc, schemaVersion: 3 }), OCI_MANIFEST, 'INVALID_MANIFEST', /^where: unsupported manifest schemaVersion 3$/],
  [
    'both index and manifest',
    json({ ...manifestDoc, manifests: [] }),
    '',
    'INVALID_MANIFEST',
    /^where: ambiguous document has both "manifests" and "config"\/"layers"$/,
  ],
  [
    'a Content-Type contradicting mediaType',
    image.manifest.data,
    OCI_INDEX,
    'INVALID_MANIFEST',
    exactly(`where: content type ${OCI_INDEX} does not match the document's mediaType ${OCI_MANIFEST}`),
  ],
  [
    'an index type without a manifests list',
    json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: 'x' }),
    '',
    'INVALID_MANIFEST',
    /has no "manifests" list/,
  ],
  [
    'a manifest without layers',
    json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: manifestDoc.config }),
    '',
    'INVALID_MANIFEST',
    /needs "config" and "layers"/,
  ],
  [
    'an unknown media type',
    json({ ...manifestDoc, mediaType: 'application/x-nope' }),
    '',
    'UNSUPPORTED_MANIFEST',
    /^where: unsupported manifest media type application\/x-nope$/,
  ],
  [
    'a digest with an unknown algorithm',
    withLayer({ digest: `md5:${'0'.repeat(32)}` }),
    '',
    'INVALID_MANIFEST',
    /^where: layers\[0\]: invalid digest .*unsupported digest algorithm "md5"/,
  ],
  [
    'a digest with a short hex',
    withLayer({ digest: `sha256:${'0'.repeat(63)}` }),
    '',
    'INVALID_MANIFEST',
    /^where: layers\[0\]: .*must have 64 hex characters/,
  ],
  [
    'a descriptor without digest',
    json({ ...manifestDoc, config: { mediaType: 'x', size: 1 } }),
    '',
    'INVALID_MANIFEST',
    /^where: config: descriptor has no digest$/,
  ],
  ['a negative size', withLayer({ size: -1 }), '', 'INVALID_MANIFEST', /^where: layers\[0\]: descriptor sha256:[0-9a-f]{64} has an invalid size$/],
  ['a non-integer size', withLayer({ size: 1.5 }), '', 'INVALID_MANIFEST', /layers\[0\]: .* has an invalid size$/],
  ['a size given as a string', withLayer({ size: '10' }), '', 'INVALID_MANIFEST', /layers\[0\]: .* has an invalid size$/],
  [
    'an index entry with a bad digest',
    json({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: 'sha256:xyz', size: 1 }] }),
    '',
    'INVALID_MANIFEST',
    /^where: manifests\[0\]: invalid digest/,
  ],
];

for (const [what, bytes, contentType, code, message] of rejected) {
  test(`parseManifest refuses ${what}`, () => {
    assert.throws(
      () => parseManifest(bytes, contentType, 'where'),
      (err: unknown) => {
        assert.ok(err instanceof HoistError);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test('verifyBytes names the expected and actual digests', () => {
  const data = Buffer.from('hello');
  assert.equal(digestBytes(data), sha256(data));
  verifyBytes(data, sha256(data), 'x');
  assert.throws(() => verifyBytes(data, sha256('other'), 'the thing'), {
    code: 'DIGEST_MISMATCH',
    message: `digest mismatch for the thing: expected ${sha256('other')}, got ${sha256(data)}`,
  });
  const sha512 = digestBytes(data, 'sha512');
  assert.match(sha512, /^sha512:[0-9a-f]{128}$/);
  verifyBytes(data, sha512, 'x');
});

test('parseImageConfig refuses what is not a JSON object', () => {
  assert.equal(parseImageConfig(image.config.data, 'c').architecture, 'amd64');
  assert.throws(() => parseImageConfig(Buffer.from('nope'), 'c'), { code: 'INVALID_MANIFEST', message: /^c: image config is not valid JSON/ });
  assert.throws(() => parseImageConfig(Buffer.from('[]'), 'c'), { code: 'INVALID_MANIFEST', message: 'c: image config is not a JSON object' });
});

test('parseImageConfig refuses platform fields that are not strings, which platform matching would crash on', () => {
  for (const [field, value] of [
    ['os', 1],
    ['architecture', { amd64: true }],
    ['variant', ['v8']],
  ] as const) {
    const doc = { ...(JSON.parse(image.config.data.toString()) as Record<string, unknown>), [field]: value };
    assert.throws(() => parseImageConfig(Buffer.from(JSON.stringify(doc)), 'c'), {
      code: 'INVALID_MANIFEST',
      message: `c: image config field "${field}" is not a string`,
    });
  }
});

test('an index entry whose platform is malformed is refused with the entry named', () => {
  const { index } = buildIndex([image]);
  const doc = JSON.parse(index.data.toString()) as { manifests: Record<string, unknown>[] };
  for (const platform of [{ os: 'linux' }, { os: 'linux', architecture: 7 }, { os: 'linux', architecture: 'amd64', variant: null }, 'linux/amd64']) {
    doc.manifests[0]!.platform = platform;
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify(doc)), OCI_INDEX, 'idx'), {
      code: 'INVALID_MANIFEST',
      message: new RegExp(`descriptor ${image.manifest.digest} has an invalid platform`),
    });
  }
});

test('an index entry with annotations, urls or platform fields of the wrong type is refused with the entry named', () => {
  const { index } = buildIndex([image]);
  const base = JSON.parse(index.data.toString()) as { manifests: Record<string, unknown>[] };
  const entry = base.manifests[0]!;
  const platform = entry.platform as Record<string, unknown>;
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...entry, annotations: { 'org.opencontainers.image.ref.name': 7 } }, /has invalid annotations/],
    [{ ...entry, annotations: ['a'] }, /has invalid annotations/],
    [{ ...entry, urls: 'https://example.com/layer' }, /has invalid urls/],
    [{ ...entry, urls: [1] }, /has invalid urls/],
    [{ ...entry, platform: { ...platform, 'os.version': 10 } }, /has an invalid platform/],
    [{ ...entry, platform: { ...platform, 'os.features': 'win32k' } }, /has an invalid platform/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => parseManifest(Buffer.from(JSON.stringify({ ...base, manifests: [bad] })), OCI_INDEX, 'idx'), { code: 'INVALID_MANIFEST', message });
  }
  const good = {
    ...entry,
    annotations: { a: 'b' },
    urls: ['https://example.com/l'],
    platform: { ...platform, 'os.version': '10.0', 'os.features': ['win32k'] },
  };
  assert.equal(parseManifest(Buffer.from(JSON.stringify({ ...base, manifests: [good] })), OCI_INDEX, 'idx').kind, 'index');
});
