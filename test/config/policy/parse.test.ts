import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_POLICY_BYTES, MAX_POLICY_DEPTH, parsePolicy, type Policy } from '../../../src/config/policy/index.js';
import { shippedConfDir } from '../../../src/config/shipped.js';
import { isHoistError } from '../../../src/errors.js';

const FILE = '/etc/containers/policy.json';
const HINT = 'see containers-policy.json(5)';
const DIGEST = `sha256:${'a'.repeat(64)}`;

const parse = (text: string) => parsePolicy(text, FILE);

/** `line:col` of the first `needle` in `text` (after `from`), to say where an error must point. */
function pos(text: string, needle: string, from = 0): string {
  const index = text.indexOf(needle, from);
  assert.ok(index >= 0, `${needle} not in the text`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

function fails(text: string, message: string): void {
  assert.throws(
    () => parse(text),
    (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_CONFIG'), `not INVALID_CONFIG: ${String(err)}`);
      assert.equal(err.message, message);
      assert.equal(err.hint, HINT);
      return true;
    },
  );
}

/** An error at the first `needle` of `text`. */
const failsAt = (text: string, needle: string, message: string) => fails(text, `${FILE}:${pos(text, needle)}: ${message}`);

/** A one-line policy whose default list is `requirements`. */
const withDefault = (...requirements: string[]) => `{"default":[${requirements.join(',')}]}`;
const withScope = (transport: string, scope: string, requirements = '[{"type":"reject"}]') =>
  `{"default":[{"type":"insecureAcceptAnything"}],"transports":{${JSON.stringify(transport)}:{${JSON.stringify(scope)}:${requirements}}}}`;
const gpg = (rest: string) => `{"type":"signedBy","keyType":"GPGKeys",${rest}}`;
const sigstore = (rest: string) => `{"type":"sigstoreSigned",${rest}}`;
const identity = (json: string) => withDefault(gpg(`"keyPath":"/k","signedIdentity":${json}`));

const where = (path: string) => ({ file: FILE, path });

test('a policy with every requirement and identity form parses into typed data, each piece knowing its JSON path', () => {
  const text = JSON.stringify({
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        '': [{ type: 'insecureAcceptAnything' }],
        'quay.io/signed': [
          { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/etc/pki/a.gpg' },
          { type: 'signedBy', keyType: 'signedByGPGKeys', keyPaths: ['/k/1.gpg', 'relative.gpg'], signedIdentity: { type: 'matchExact' } },
          { type: 'signedBy', keyType: 'X509Certificates', keyData: 'aGVsbG8=', signedIdentity: { type: 'matchRepository' } },
          { type: 'signedBy', keyType: 'signedByX509CAs', keyPath: 'k', signedIdentity: { type: 'matchRepoDigestOrExact' } },
        ],
        'registry.example.com:5000/ns': [
          { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactReference', dockerReference: 'busybox:1' } },
          { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactReference', dockerReference: `quay.io/a/b@${DIGEST}` } },
          { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactRepository', dockerRepository: 'quay.io/a/b' } },
          {
            type: 'signedBy',
            keyType: 'GPGKeys',
            keyPath: '/k',
            signedIdentity: { type: 'remapIdentity', prefix: 'registry.example.com:5000/ns', signedPrefix: 'quay.io' },
          },
        ],
        '*.example.com': [{ type: 'signedBaseLayer', baseLayerIdentity: { type: 'exactRepository', dockerRepository: 'busybox' } }],
        [`docker.io/library/busybox@${DIGEST}`]: [
          { type: 'sigstoreSigned', keyPath: '/c.pub' },
          { type: 'sigstoreSigned', keyPaths: ['/c1.pub', '/c2.pub'], rekorPublicKeyPath: '/rekor.pub', signedIdentity: { type: 'matchRepository' } },
          { type: 'sigstoreSigned', keyData: 'YQ==', rekorPublicKeyPaths: ['/r1', '/r2'] },
          { type: 'sigstoreSigned', keyDatas: ['YQ==', 'Yg=='], rekorPublicKeyData: 'cg==' },
          {
            type: 'sigstoreSigned',
            fulcio: { caPath: '/fulcio.pem', oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'me@example.com' },
            rekorPublicKeyDatas: ['cg=='],
          },
          { type: 'sigstoreSigned', fulcio: { caData: 'Y2E=', oidcIssuer: 'i', subjectEmail: 'e' }, rekorPublicKeyPath: '/r' },
          { type: 'sigstoreSigned', pki: { caRootsPath: '/roots.pem', caIntermediatesPath: '/int.pem', subjectEmail: 'me@example.com' } },
          { type: 'sigstoreSigned', pki: { caRootsData: 'cm9vdA==', caIntermediatesData: 'aW50', subjectHostname: 'example.com', subjectEmail: '' } },
        ],
      },
      'docker-archive': { '': [{ type: 'reject' }] },
      oci: { '': [{ type: 'reject' }], '/srv/layouts/app': [{ type: 'insecureAcceptAnything' }] },
      'oci-archive': { '/srv/app.tar': [{ type: 'insecureAcceptAnything' }] },
      dir: { '/srv/dir': [{ type: 'insecureAcceptAnything' }] },
      'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] },
    },
  });
  const policy = parse(text);
  const d = '"registry.example.com:5000/ns"';
  const s = `"docker.io/library/busybox@${DIGEST}"`;
  const path = (p: string) => ({ kind: 'path', path: p.split('=')[1]!, where: where(p.split('=')[0]!) });
  const data = (p: string, bytes: string) => ({ kind: 'data', data: Buffer.from(bytes), where: where(p) });
  const expected: Omit<Policy, 'transports'> & { transports: unknown } = {
    file: FILE,
    default: [{ type: 'reject', where: where('default[0]') }],
    warnings: [],
    transports: {
      docker: {
        '': [{ type: 'insecureAcceptAnything', where: where('transports.docker.""[0]') }],
        'quay.io/signed': [
          {
            type: 'signedBy',
            keyType: 'GPGKeys',
            keys: [path('transports.docker."quay.io/signed"[0].keyPath=/etc/pki/a.gpg')],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
            where: where('transports.docker."quay.io/signed"[0]'),
          },
          {
            type: 'signedBy',
            keyType: 'signedByGPGKeys',
            keys: [path('transports.docker."quay.io/signed"[1].keyPaths[0]=/k/1.gpg'), path('transports.docker."quay.io/signed"[1].keyPaths[1]=relative.gpg')],
            signedIdentity: { type: 'matchExact' },
            where: where('transports.docker."quay.io/signed"[1]'),
          },
          {
            type: 'signedBy',
            keyType: 'X509Certificates',
            keys: [data('transports.docker."quay.io/signed"[2].keyData', 'hello')],
            signedIdentity: { type: 'matchRepository' },
            where: where('transports.docker."quay.io/signed"[2]'),
          },
          {
            type: 'signedBy',
            keyType: 'signedByX509CAs',
            keys: [path('transports.docker."quay.io/signed"[3].keyPath=k')],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
            where: where('transports.docker."quay.io/signed"[3]'),
          },
        ],
        'registry.example.com:5000/ns': [
          { type: 'exactReference', dockerReference: 'busybox:1' },
          { type: 'exactReference', dockerReference: `quay.io/a/b@${DIGEST}` },
          { type: 'exactRepository', dockerRepository: 'quay.io/a/b' },
          { type: 'remapIdentity', prefix: 'registry.example.com:5000/ns', signedPrefix: 'quay.io' },
        ].map((signedIdentity, i) => ({
          type: 'signedBy',
          keyType: 'GPGKeys',
          keys: [path(`transports.docker.${d}[${i}].keyPath=/k`)],
          signedIdentity,
          where: where(`transports.docker.${d}[${i}]`),
        })),
        '*.example.com': [
          {
            type: 'signedBaseLayer',
            baseLayerIdentity: { type: 'exactRepository', dockerRepository: 'busybox' },
            where: where('transports.docker."*.example.com"[0]'),
          },
        ],
        [`docker.io/library/busybox@${DIGEST}`]: [
          { trust: { kind: 'keys', keys: [path(`transports.docker.${s}[0].keyPath=/c.pub`)] }, signedIdentity: { type: 'matchRepoDigestOrExact' } },
          {
            trust: { kind: 'keys', keys: [path(`transports.docker.${s}[1].keyPaths[0]=/c1.pub`), path(`transports.docker.${s}[1].keyPaths[1]=/c2.pub`)] },
            rekorPublicKeys: [path(`transports.docker.${s}[1].rekorPublicKeyPath=/rekor.pub`)],
            signedIdentity: { type: 'matchRepository' },
          },
          {
            trust: { kind: 'keys', keys: [data(`transports.docker.${s}[2].keyData`, 'a')] },
            rekorPublicKeys: [path(`transports.docker.${s}[2].rekorPublicKeyPaths[0]=/r1`), path(`transports.docker.${s}[2].rekorPublicKeyPaths[1]=/r2`)],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
          {
            trust: { kind: 'keys', keys: [data(`transports.docker.${s}[3].keyDatas[0]`, 'a'), data(`transports.docker.${s}[3].keyDatas[1]`, 'b')] },
            rekorPublicKeys: [data(`transports.docker.${s}[3].rekorPublicKeyData`, 'r')],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
          {
            trust: {
              kind: 'fulcio',
              ca: path(`transports.docker.${s}[4].fulcio.caPath=/fulcio.pem`),
              oidcIssuer: 'https://github.com/login/oauth',
              subjectEmail: 'me@example.com',
            },
            rekorPublicKeys: [data(`transports.docker.${s}[4].rekorPublicKeyDatas[0]`, 'r')],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
          {
            trust: { kind: 'fulcio', ca: data(`transports.docker.${s}[5].fulcio.caData`, 'ca'), oidcIssuer: 'i', subjectEmail: 'e' },
            rekorPublicKeys: [path(`transports.docker.${s}[5].rekorPublicKeyPath=/r`)],
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
          {
            trust: {
              kind: 'pki',
              caRoots: path(`transports.docker.${s}[6].pki.caRootsPath=/roots.pem`),
              caIntermediates: path(`transports.docker.${s}[6].pki.caIntermediatesPath=/int.pem`),
              subjectEmail: 'me@example.com',
            },
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
          {
            // An empty subjectEmail counts as absent, as in containers/image.
            trust: {
              kind: 'pki',
              caRoots: data(`transports.docker.${s}[7].pki.caRootsData`, 'root'),
              caIntermediates: data(`transports.docker.${s}[7].pki.caIntermediatesData`, 'int'),
              subjectHostname: 'example.com',
            },
            signedIdentity: { type: 'matchRepoDigestOrExact' },
          },
        ].map((fields, i) => ({ type: 'sigstoreSigned', ...fields, where: where(`transports.docker.${s}[${i}]`) })),
      },
      'docker-archive': { '': [{ type: 'reject', where: where('transports.docker-archive.""[0]') }] },
      oci: {
        '': [{ type: 'reject', where: where('transports.oci.""[0]') }],
        '/srv/layouts/app': [{ type: 'insecureAcceptAnything', where: where('transports.oci."/srv/layouts/app"[0]') }],
      },
      'oci-archive': { '/srv/app.tar': [{ type: 'insecureAcceptAnything', where: where('transports.oci-archive."/srv/app.tar"[0]') }] },
      dir: { '/srv/dir': [{ type: 'insecureAcceptAnything', where: where('transports.dir."/srv/dir"[0]') }] },
      'docker-daemon': { '': [{ type: 'insecureAcceptAnything', where: where('transports.docker-daemon.""[0]') }] },
    },
  };
  // Compared as plain data: the maps themselves have no prototype (see the __proto__ test).
  assert.deepEqual(JSON.parse(JSON.stringify(policy)), JSON.parse(JSON.stringify(expected)));
  // JSON drops the Buffer type, so check decoded key data directly too.
  const keyData = policy.transports.docker!['quay.io/signed']![2]!;
  assert.ok(keyData.type === 'signedBy' && keyData.keys[0]!.kind === 'data');
  assert.deepEqual(keyData.keys[0].data, Buffer.from('hello'));
});

test('the example from the brief: an unknown key names file, line, column and JSON path', () => {
  const text = [
    '{',
    '  "default": [{ "type": "reject" }],',
    '  "transports": {',
    '    "docker": {',
    '      "quay.io/x": [',
    '        { "type": "signedBy", "keyType": "GPGKeys",',
    '          "keypath": "/k" }',
    '      ]',
    '    }',
    '  }',
    '}',
  ].join('\n');
  fails(text, `${FILE}:7:11: transports.docker."quay.io/x"[0]: Unknown key "keypath"`);
});

test('JSON syntax: duplicate keys, trailing data, non-objects and other non-JSON are errors with positions', () => {
  const dupTop = '{"default":[{"type":"reject"}],\n "default":[{"type":"insecureAcceptAnything"}]}';
  fails(dupTop, `${FILE}:2:2: Duplicate key "default"`);
  const dupNested = withDefault(gpg('"keyPath":"/a","keyPath":"/b"'));
  fails(dupNested, `${FILE}:${pos(dupNested, '"keyPath"', dupNested.indexOf('"keyPath"') + 1)}: default[0]: Duplicate key "keyPath"`);
  const dupScope = '{"default":[{"type":"reject"}],"transports":{"docker":{"a.io":[{"type":"reject"}],"a.io":[{"type":"reject"}]}}}';
  fails(dupScope, `${FILE}:1:${dupScope.lastIndexOf('"a.io"') + 1}: transports.docker: Duplicate key "a.io"`);

  fails('{"default":[{"type":"reject"}]}\n{}', `${FILE}:2:1: Unexpected data after JSON object`);
  fails('{"default":[{"type":"reject"}]} // comment', `${FILE}:1:33: Unexpected data after JSON object`);
  fails('[]', `${FILE}:1:1: JSON object expected, found "["`);
  fails('  \n', `${FILE}:2:1: JSON object expected, found an empty file`);
  fails('\ufeff{"default":[{"type":"reject"}]}', `${FILE}:1:1: a byte order mark is not allowed in JSON`);
  fails('{"default":[{"type":"reject"},]}', `${FILE}:1:31: default: trailing comma before "]"`);
  fails("{'default':[]}", `${FILE}:1:2: expected a string key, found "'"`);
  fails('{"default":[{"type":"reject"}]', `${FILE}:1:31: expected "," or "}", found the end of the file`);
  fails('{"default":[{"type":"rej\tect"}]}', `${FILE}:1:25: default[0].type: control character "\\t" in a string must be escaped`);
  fails('{"default":[{"type":"rej\\xect"}]}', `${FILE}:1:25: default[0].type: invalid escape "\\\\x"`);
  fails('{"default":[{"type":"\\u12"}]}', `${FILE}:1:22: default[0].type: invalid \\u escape: four hexadecimal digits expected`);
  fails('{"default":[01]}', `${FILE}:1:13: default[0]: invalid number "01"`);
  fails('{"default":[tru]}', `${FILE}:1:13: default[0]: expected a value, found "t"`);
  fails('{"default":"unterminated}', `${FILE}:1:12: default: unterminated string`);
});

test('JSON escapes decode to the characters they stand for', () => {
  const policy = parse('{"default":[{"type":"reject"}],"transports":{"oci":{"\\/srv\\u002Fx":[{"type":"reject"}]}}}');
  assert.deepEqual(Object.keys(policy.transports.oci!), ['/srv/x']);
});

test(`nesting is limited to ${MAX_POLICY_DEPTH} levels`, () => {
  assert.equal(MAX_POLICY_DEPTH, 64);
  // The top-level object is level 1: 63 arrays inside it still parse (and then fail as a policy).
  const deepest = `{"default":${'['.repeat(MAX_POLICY_DEPTH - 1)}${']'.repeat(MAX_POLICY_DEPTH - 1)}}`;
  assert.throws(
    () => parse(deepest),
    (err: Error) => /must be an object, not an array$/.test(err.message),
  );
  const tooDeep = `{"default":${'['.repeat(MAX_POLICY_DEPTH)}${']'.repeat(MAX_POLICY_DEPTH)}}`;
  fails(tooDeep, `${FILE}:1:${11 + MAX_POLICY_DEPTH}: default${'[0]'.repeat(MAX_POLICY_DEPTH - 1)}: nesting deeper than 64 levels`);
});

test('a policy text over 4 MiB is refused, counted in UTF-8 bytes', () => {
  assert.equal(MAX_POLICY_BYTES, 4 * 1024 * 1024);
  const valid = '{"default":[{"type":"reject"}]}';
  assert.equal(parse(valid + ' '.repeat(MAX_POLICY_BYTES - valid.length)).default.length, 1);
  fails(valid + ' '.repeat(MAX_POLICY_BYTES - valid.length + 1), `${FILE}:1:1: file is larger than 4 MiB`);
  // Fewer than 4 Mi characters, but more than 4 MiB: "é" is two bytes.
  fails(`{"default":[{"type":"reject"}],"x":"${'é'.repeat(MAX_POLICY_BYTES / 2)}"}`, `${FILE}:1:1: file is larger than 4 MiB`);
});

test('file content is never echoed raw: control characters are escaped and long keys cut', () => {
  // \u001b is an escape in the JSON text, so the key really holds ESC.
  failsAt(withDefault('{"type":"reject","\\u001b[31mred":1}'), '"\\u001b', 'default[0]: Unknown key "\\u001b[31mred"');
  failsAt(withDefault('{"type":"reject","\\u202egnp.x\\u009b":1}'), '"\\u202e', 'default[0]: Unknown key "\\u202egnp.x\\u009b"');
  failsAt(withDefault('{"type":"reject\\u0007"}'), '"reject', 'default[0]: Unknown policy requirement type "reject\\u0007"');
  const long = 'k'.repeat(100_000);
  failsAt(withDefault(`{"type":"reject","${long}":1}`), '"kkk', `default[0]: Unknown key "${'k'.repeat(512)}…"`);
  // Keys in the JSON path are escaped too.
  const scope = withScope('oci', 'rel\u0000x');
  fails(scope, `${FILE}:${pos(scope, '"rel')}: transports.oci: Invalid scope "rel\\u0000x": must be an absolute path`);
  const nested = withScope('docker', '\u001b]x', '[{"type":"bogus"}]');
  fails(nested, `${FILE}:${pos(nested, '"bogus"')}: transports.docker."\\u001b]x"[0]: Unknown policy requirement type "bogus"`);
});

test('the top level: only default and transports, default mandatory, requirement lists non-empty', () => {
  fails('{"default":[{"type":"reject"}],"transport":{}}', `${FILE}:1:32: Unknown key "transport"`);
  fails(' {"transports":{}}', `${FILE}:1:2: Default policy is missing`);
  fails('{"default":[]}', `${FILE}:1:12: default: List of verification policy requirements must not be empty`);
  fails(
    withScope('docker', 'quay.io', '[]'),
    `${FILE}:1:${withScope('docker', 'quay.io', '[]').lastIndexOf('[') + 1}: transports.docker."quay.io": List of verification policy requirements must not be empty`,
  );
  fails('{"default":{}}', `${FILE}:1:12: default: must be an array, not an object`);
  fails('{"default":[{"type":"reject"}],"transports":[]}', `${FILE}:1:45: transports: must be an object, not an array`);
  fails('{"default":[{"type":"reject"}],"transports":{"docker":null}}', `${FILE}:1:55: transports.docker: must be an object, not null`);
  fails('{"default":["reject"]}', `${FILE}:1:13: default[0]: must be an object, not a string`);
});

test('requirement types: the type is required and known, and each type takes only its own fields', () => {
  fails(withDefault('{}'), `${FILE}:1:13: default[0]: policy requirement type not specified`);
  failsAt(withDefault('{"type":1}'), '1}', 'default[0].type: must be a string, not a number');
  failsAt(withDefault('{"type":"acceptAnything"}'), '"acceptAnything"', 'default[0]: Unknown policy requirement type "acceptAnything"');
  // An inherited property name is not a type.
  failsAt(withDefault('{"type":"constructor"}'), '"constructor"', 'default[0]: Unknown policy requirement type "constructor"');
  failsAt(withDefault('{"type":"insecureAcceptAnything","keyPath":"/k"}'), '"keyPath"', 'default[0]: Unknown key "keyPath"');
  failsAt(withDefault('{"type":"reject","signedIdentity":{"type":"matchExact"}}'), '"signedIdentity"', 'default[0]: Unknown key "signedIdentity"');
});

test('signedBy: keyType is required and one of the four values; exactly one of keyPath, keyPaths, keyData', () => {
  fails(withDefault('{"type":"signedBy","keyPath":"/k"}'), `${FILE}:1:13: default[0]: keyType not specified`);
  failsAt(withDefault('{"type":"signedBy","keyType":"gpgkeys","keyPath":"/k"}'), '"gpgkeys"', 'default[0].keyType: Unrecognized keyType value "gpgkeys"');
  fails(
    withDefault(gpg('"signedIdentity":{"type":"matchExact"}')),
    `${FILE}:1:13: default[0]: Exactly one of keyPath, keyPaths and keyData must be specified, none of them present`,
  );
  const two = withDefault(gpg('"keyPaths":["/a"],"keyData":"YQ=="'));
  fails(two, `${FILE}:${pos(two, '"keyData"')}: default[0]: Exactly one of keyPath, keyPaths and keyData must be specified, more than one present`);
  const b64 = withDefault(gpg('"keyData":"not base64!"'));
  fails(b64, `${FILE}:${pos(b64, '"not base64!"')}: default[0].keyData: must be base64 (the standard alphabet, with padding)`);
  failsAt(withDefault(gpg('"keyData":"YQ"')), '"YQ"', 'default[0].keyData: must be base64 (the standard alphabet, with padding)');
  failsAt(withDefault(gpg('"keyPath":""')), '""', 'default[0].keyPath: must not be empty');
  failsAt(withDefault(gpg('"keyPaths":[]')), '[]', 'default[0].keyPaths: "keyPaths" contains no entries');
  failsAt(withDefault(gpg('"keyPaths":["/a",7]')), '7]', 'default[0].keyPaths[1]: must be a string, not a number');
  failsAt(withDefault(gpg('"keyPaths":["/a",""]')), '""]', 'default[0].keyPaths[1]: must not be empty');
  failsAt(withDefault(gpg('"keyPath":["/a"]')), '["/a"]', 'default[0].keyPath: must be a string, not an array');
  failsAt(withDefault(gpg('"keyData":""')), '""', 'default[0].keyData: must not be empty');
  // Go decodes a []byte from base64 and skips line breaks in it.
  const policy = parse(withDefault(gpg('"keyData":"aGVs\\nbG8="')));
  const requirement = policy.default[0]!;
  assert.ok(requirement.type === 'signedBy' && requirement.keys[0]!.kind === 'data');
  assert.equal(requirement.keys[0].data.toString(), 'hello');
});

test('signedBaseLayer needs a valid baseLayerIdentity', () => {
  fails(withDefault('{"type":"signedBaseLayer"}'), `${FILE}:1:13: default[0]: baseLayerIdentity not specified`);
  const bad = withDefault('{"type":"signedBaseLayer","baseLayerIdentity":{"type":"exactReference","dockerReference":"busybox"}}');
  fails(bad, `${FILE}:${pos(bad, '"busybox"')}: default[0].baseLayerIdentity.dockerReference: dockerReference "busybox" contains neither a tag nor digest`);
});

test('sigstoreSigned: exactly one trust root, and rekor keys as each root needs them', () => {
  const none = 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified';
  fails(withDefault(sigstore('"rekorPublicKeyPath":"/r"')), `${FILE}:1:13: default[0]: ${none}, none of them present`);
  const two = withDefault(sigstore('"keyPath":"/k","pki":{}'));
  fails(two, `${FILE}:${pos(two, '"pki"')}: default[0]: ${none}, more than one present`);
  const rekorNames = 'rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas';
  const twoRekor = withDefault(sigstore('"keyPath":"/k","rekorPublicKeyPath":"/r","rekorPublicKeyDatas":["cg=="]'));
  fails(twoRekor, `${FILE}:${pos(twoRekor, '"rekorPublicKeyDatas"')}: default[0]: at most one of ${rekorNames} can be used simultaneously`);
  const fulcio = '"fulcio":{"caPath":"/ca","oidcIssuer":"https://issuer","subjectEmail":"a@b"}';
  fails(withDefault(sigstore(fulcio)), `${FILE}:1:13: default[0]: At least one of ${rekorNames} must be specified if fulcio is used`);
  const pkiRekor = withDefault(sigstore('"pki":{"caRootsPath":"/r","subjectHostname":"h"},"rekorPublicKeyPath":"/k"'));
  fails(pkiRekor, `${FILE}:${pos(pkiRekor, '"rekorPublicKeyPath"')}: default[0]: ${rekorNames} are not supported for pki`);
  failsAt(withDefault(sigstore('"keyDatas":[]')), '[]', 'default[0].keyDatas: "keyDatas" contains no entries');
  failsAt(withDefault(sigstore('"keyPath":"/k","rekorPublicKeyPaths":[]')), '[]', 'default[0].rekorPublicKeyPaths: "rekorPublicKeyPaths" contains no entries');
  failsAt(withDefault(sigstore('"keyData":"%%%%"')), '"%%%%"', 'default[0].keyData: must be base64 (the standard alphabet, with padding)');
  failsAt(withDefault(sigstore('"keyPath":"/k","keyType":"GPGKeys"')), '"keyType"', 'default[0]: Unknown key "keyType"');
  failsAt(withDefault(sigstore('"keyPath":"/k","fulcio":null')), '"fulcio"', `default[0]: ${none}, more than one present`);
});

test('sigstoreSigned fulcio: one CA, an OIDC issuer and a subject email, nothing else', () => {
  const req = (fulcio: string) => withDefault(sigstore(`"fulcio":${fulcio},"rekorPublicKeyPath":"/r"`));
  const objectAt = (text: string) => `${FILE}:1:${text.indexOf('"fulcio":') + 10}: default[0].fulcio`;
  const cases: [string, string][] = [
    ['{"caPath":"/a","caData":"YQ==","oidcIssuer":"i","subjectEmail":"e"}', 'caPath and caData cannot be used simultaneously'],
    ['{"oidcIssuer":"i","subjectEmail":"e"}', 'At least one of caPath and caData must be specified'],
    ['{"caPath":"/a","subjectEmail":"e"}', 'oidcIssuer not specified'],
    ['{"caPath":"/a","oidcIssuer":"","subjectEmail":"e"}', 'oidcIssuer not specified'],
    ['{"caPath":"/a","oidcIssuer":"i"}', 'subjectEmail not specified'],
  ];
  for (const [fulcio, message] of cases) {
    const text = req(fulcio);
    // "more than one" points at the second key; the others at the fulcio object.
    const location = message.includes('simultaneously') ? `${FILE}:${pos(text, '"caData"')}: default[0].fulcio` : objectAt(text);
    fails(text, `${location}: ${message}`);
  }
  const unknown = req('{"caPath":"/a","oidcIssuer":"i","subjectEmail":"e","subjectHostname":"h"}');
  fails(unknown, `${FILE}:${pos(unknown, '"subjectHostname"')}: default[0].fulcio: Unknown key "subjectHostname"`);
  const notObject = req('"/ca"');
  fails(notObject, `${FILE}:${pos(notObject, '"/ca"')}: default[0].fulcio: must be an object, not a string`);
});

test('sigstoreSigned pki: one set of roots, at most one set of intermediates, a subject', () => {
  const req = (pki: string) => withDefault(sigstore(`"pki":${pki}`));
  const objectAt = (text: string) => `${FILE}:1:${text.indexOf('"pki":') + 7}: default[0].pki`;
  fails(req('{"subjectEmail":"e"}'), `${objectAt(req('{"subjectEmail":"e"}'))}: At least one of caRootsPath and caRootsData must be specified`);
  const bothRoots = req('{"caRootsPath":"/r","caRootsData":"YQ==","subjectEmail":"e"}');
  fails(bothRoots, `${FILE}:${pos(bothRoots, '"caRootsData"')}: default[0].pki: caRootsPath and caRootsData cannot be used simultaneously`);
  const bothIntermediates = req('{"caRootsPath":"/r","caIntermediatesPath":"/i","caIntermediatesData":"YQ==","subjectEmail":"e"}');
  fails(
    bothIntermediates,
    `${FILE}:${pos(bothIntermediates, '"caIntermediatesData"')}: default[0].pki: caIntermediatesPath and caIntermediatesData cannot be used simultaneously`,
  );
  const noSubject = req('{"caRootsPath":"/r","subjectEmail":""}');
  fails(noSubject, `${objectAt(noSubject)}: At least one of subjectEmail, subjectHostname must be specified`);
  const unknown = req('{"caRootsPath":"/r","subjectEmail":"e","oidcIssuer":"i"}');
  fails(unknown, `${FILE}:${pos(unknown, '"oidcIssuer"')}: default[0].pki: Unknown key "oidcIssuer"`);
  const badData = req('{"caRootsData":"YQ=","subjectEmail":"e"}');
  fails(badData, `${FILE}:${pos(badData, '"YQ="')}: default[0].pki.caRootsData: must be base64 (the standard alphabet, with padding)`);
});

test('signedIdentity: every form is checked, with its own fields', () => {
  const at = (text: string, needle: string) => `${FILE}:${pos(text, needle)}`;
  const cases: [string, string, string][] = [
    ['{"type":"matchDigest"}', '"matchDigest"', 'default[0].signedIdentity: Unknown policy reference match type "matchDigest"'],
    ['{}', '{}', 'default[0].signedIdentity: policy reference match type not specified'],
    ['{"type":"matchExact","dockerReference":"a:b"}', '"dockerReference"', 'default[0].signedIdentity: Unknown key "dockerReference"'],
    ['{"type":"matchRepository","prefix":"a.io"}', '"prefix"', 'default[0].signedIdentity: Unknown key "prefix"'],
    ['{"type":"matchRepoDigestOrExact","x":1}', '"x"', 'default[0].signedIdentity: Unknown key "x"'],
    ['{"type":"exactReference"}', '{"type":"exactReference"}', 'default[0].signedIdentity: dockerReference not specified'],
    [
      '{"type":"exactReference","dockerReference":"quay.io/a/b"}',
      '"quay.io/a/b"',
      'default[0].signedIdentity.dockerReference: dockerReference "quay.io/a/b" contains neither a tag nor digest',
    ],
    [
      '{"type":"exactReference","dockerReference":"quay.io/A:1"}',
      '"quay.io/A:1"',
      'default[0].signedIdentity.dockerReference: Invalid format of dockerReference "quay.io/A:1": repository name must be lowercase',
    ],
    ['{"type":"exactReference","dockerReference":7}', '7', 'default[0].signedIdentity.dockerReference: must be a string, not a number'],
    [
      '{"type":"exactRepository","dockerRepository":"quay.io/a/b:1"}',
      '"quay.io/a/b:1"',
      'default[0].signedIdentity.dockerRepository: dockerRepository "quay.io/a/b:1" must be a repository, without a tag or digest',
    ],
    [
      `{"type":"exactRepository","dockerRepository":"quay.io/a@${DIGEST}"}`,
      '"quay.io/a@',
      `default[0].signedIdentity.dockerRepository: dockerRepository "quay.io/a@${DIGEST}" must be a repository, without a tag or digest`,
    ],
    [
      '{"type":"exactRepository","dockerRepository":"a//b"}',
      '"a//b"',
      'default[0].signedIdentity.dockerRepository: Invalid format of dockerRepository "a//b": invalid reference format',
    ],
    ['{"type":"exactRepository","dockerRepository":"a.io/b","x":1}', '"x"', 'default[0].signedIdentity: Unknown key "x"'],
    ['{"type":"remapIdentity","prefix":"quay.io"}', '{"type":"remapIdentity"', 'default[0].signedIdentity: signedPrefix not specified'],
    ['{"type":"remapIdentity","signedPrefix":"quay.io"}', '{"type":"remapIdentity"', 'default[0].signedIdentity: prefix not specified'],
    ...['quay.io/ns:tag', `quay.io/ns@${DIGEST}`, 'ns/repo', 'busybox', 'quay.io:', 'https://quay.io', 'quay.io/NS'].map((prefix): [string, string, string] => [
      `{"type":"remapIdentity","prefix":${JSON.stringify(prefix)},"signedPrefix":"quay.io"}`,
      JSON.stringify(prefix).slice(0, 10),
      `default[0].signedIdentity.prefix: prefix ${JSON.stringify(prefix)} is not valid: it must be a registry host[:port], a namespace or a repository, without a tag or digest`,
    ]),
    [
      '{"type":"remapIdentity","prefix":"quay.io","signedPrefix":"r.io/a:b"}',
      '"r.io/a:b"',
      'default[0].signedIdentity.signedPrefix: signedPrefix "r.io/a:b" is not valid: it must be a registry host[:port], a namespace or a repository, without a tag or digest',
    ],
  ];
  for (const [json, needle, message] of cases) {
    const text = identity(json);
    fails(text, `${at(text, needle)}: ${message}`);
  }
  // Every valid prefix form: host, host:port, IPv6, localhost, namespace, repository.
  for (const prefix of ['quay.io', 'registry.example.com:5000', '[::1]:5000', 'localhost', 'quay.io/ns', 'docker.io/library/busybox']) {
    const policy = parse(identity(`{"type":"remapIdentity","prefix":${JSON.stringify(prefix)},"signedPrefix":${JSON.stringify(prefix)}}`));
    const requirement = policy.default[0]!;
    assert.ok(requirement.type === 'signedBy');
    assert.deepEqual(requirement.signedIdentity, { type: 'remapIdentity', prefix, signedPrefix: prefix });
  }
});

test('scopes of docker-archive, oci, oci-archive and dir are checked as containers/image does', () => {
  const invalid = (transport: string, scope: string, problem: string) => {
    const text = withScope(transport, scope);
    fails(text, `${FILE}:${pos(text, JSON.stringify(scope))}: transports.${transport}: Invalid scope ${JSON.stringify(scope)}: ${problem}`);
  };
  invalid('docker-archive', '/srv/a.tar', 'docker-archive does not support any scopes except the default "" one');
  for (const transport of ['oci', 'oci-archive', 'dir']) {
    invalid(transport, 'srv/layout', 'must be an absolute path');
    invalid(transport, '/', 'use the default scope "" instead');
    invalid(transport, '//', 'use the default scope "" instead');
    invalid(transport, '/srv/layout/', 'uses non-canonical format, perhaps try "/srv/layout"');
    invalid(transport, '/srv//layout', 'uses non-canonical format, perhaps try "/srv/layout"');
    invalid(transport, '/srv/./a/../layout', 'uses non-canonical format, perhaps try "/srv/layout"');
    assert.deepEqual(parse(withScope(transport, '/srv/layout')).warnings, []);
    assert.deepEqual(parse(withScope(transport, '')).warnings, []);
  }
  assert.deepEqual(parse(withScope('docker-archive', '')).warnings, []);
});

test('docker scopes are accepted as upstream does, with a warning for one that can never match', () => {
  const warning = (scope: string) => {
    const text = withScope('docker', scope);
    const policy = parse(text);
    assert.equal(policy.warnings.length, 1, `${scope}: ${policy.warnings.join('; ')}`);
    assert.ok(policy.transports.docker![scope], 'the scope is kept');
    return policy.warnings[0]!.replace(`${FILE}:${pos(text, JSON.stringify(scope))}: transports.docker: `, '');
  };
  const never = (scope: string, why: string) => assert.equal(warning(scope), `scope ${JSON.stringify(scope)} can never match: ${why}`);
  never('https://quay.io/ns', 'a scope has no URL scheme, perhaps "quay.io/ns"');
  never('docker://busybox', 'a scope has no URL scheme, perhaps "busybox"');
  never('quay.io/NS/app', 'repository name must be lowercase');
  never('busybox', 'images are matched by their full name, e.g. "docker.io/library/busybox"');
  never('library/busybox:1', 'images are matched by their full name, e.g. "docker.io/library/busybox:1"');
  never('index.docker.io/library/busybox', 'Docker Hub images are named "docker.io/library/busybox"');
  never('quay.io/ns/', 'a namespace has no trailing "/"');
  never(`quay.io/a:1@${DIGEST}`, 'an image is matched by its tag or by its digest, not both');
  never('*.example.com:5000', 'a wildcard scope is "*." and a host name without port, e.g. "*.example.com"');
  never('*.example.com/ns', 'a wildcard scope is "*." and a host name without port, e.g. "*.example.com"');
  never('example*.*.com', 'the only wildcard is a leading "*.", e.g. "*.example.com"');
  never('quay.io/ns app', 'invalid reference format');
  assert.equal(warning('Quay.io/ns'), 'scope "Quay.io/ns" only matches image names that spell the registry with the same capitals; write it in lowercase');
  assert.equal(
    warning('*.Example.com'),
    'scope "*.Example.com" only matches image names that spell the registry with the same capitals; write it in lowercase',
  );

  for (const scope of [
    'quay.io',
    'registry.example.com:5000',
    'localhost',
    'localhost:5000/ns',
    '[::1]:5000/ns/app',
    '*.example.com',
    '*.com',
    'docker.io',
    'docker.io/library',
    'docker.io/library/busybox:latest',
    `quay.io/ns/app@${DIGEST}`,
    'quay.io/ns/sub/app',
  ]) {
    assert.deepEqual(parse(withScope('docker', scope)).warnings, [], scope);
  }
});

test('transports: unknown names are kept with a warning; ones containers/image knows need none', () => {
  const text =
    '{"default":[{"type":"reject"}],"transports":{"dokcer":{"quay.io":[{"type":"reject"}]},"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]},"containers-storage":{"[overlay@/var/lib/containers/storage]":[{"type":"reject"}]},"atomic":{},"sif":{},"tarball":{},"ostree":{}}}';
  const policy = parse(text);
  assert.deepEqual(policy.warnings, [
    `${FILE}:${pos(text, '"dokcer"')}: transports: unknown transport "dokcer", ignored (hoist reads docker, docker-archive, oci, oci-archive, dir)`,
  ]);
  assert.deepEqual(Object.keys(policy.transports), ['dokcer', 'docker-daemon', 'containers-storage', 'atomic', 'sif', 'tarball', 'ostree']);
  // Their requirements are still parsed strictly, as upstream does.
  const bad = '{"default":[{"type":"reject"}],"transports":{"dokcer":{"quay.io":[{"type":"reject","x":1}]}}}';
  fails(bad, `${FILE}:${pos(bad, '"x"')}: transports.dokcer."quay.io"[0]: Unknown key "x"`);
});

test('transport and scope names are only data: __proto__ and constructor do not touch prototypes', () => {
  const policy = parse(
    '{"default":[{"type":"reject"}],"transports":{"__proto__":{"constructor":[{"type":"reject"}]},"docker":{"__proto__":[{"type":"reject"}]}}}',
  );
  assert.equal(Object.getPrototypeOf(policy.transports), null);
  assert.deepEqual(Object.keys(policy.transports), ['__proto__', 'docker']);
  assert.equal(policy.transports.docker!['constructor'], undefined);
  assert.equal(policy.transports.docker!['__proto__']!.length, 1);
  assert.equal(policy.transports['__proto__']!['constructor']!.length, 1);
  assert.equal(parse('{"default":[{"type":"reject"}]}').transports['toString'], undefined);
});

test('relative key paths are kept as written', () => {
  const requirement = parse(withDefault(sigstore('"keyPath":"keys/cosign.pub","rekorPublicKeyPath":"./rekor.pub"'))).default[0]!;
  assert.ok(requirement.type === 'sigstoreSigned' && requirement.trust.kind === 'keys');
  assert.deepEqual(
    requirement.trust.keys.map((k) => k.kind === 'path' && k.path),
    ['keys/cosign.pub'],
  );
  assert.deepEqual(
    requirement.rekorPublicKeys?.map((k) => k.kind === 'path' && k.path),
    ['./rekor.pub'],
  );
});

test("hoist's shipped conf/policy.json means what containers/image's default-policy.json means", () => {
  const file = join(shippedConfDir(), 'policy.json');
  const policy = parsePolicy(readFileSync(file, 'utf8'), file);
  assert.deepEqual(JSON.parse(JSON.stringify(policy)), {
    file,
    default: [{ type: 'insecureAcceptAnything', where: { file, path: 'default[0]' } }],
    transports: { 'docker-daemon': { '': [{ type: 'insecureAcceptAnything', where: { file, path: 'transports.docker-daemon.""[0]' } }] } },
    warnings: [],
  });
});

test("Debian's /etc/containers/policy.json (from containers-common, which skopeo brings) parses", () => {
  assert.ok(existsSync('/etc/containers/policy.json'), 'no /etc/containers/policy.json: scripts/install-test-deps installs skopeo, which brings it');
  const policy = parsePolicy(readFileSync('/etc/containers/policy.json', 'utf8'), '/etc/containers/policy.json');
  assert.ok(policy.default.length > 0);
  assert.deepEqual(policy.warnings, []);
});
