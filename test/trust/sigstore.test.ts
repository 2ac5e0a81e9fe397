import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseJsonObject } from '../../src/config/policy/json.js';
import { SIGSTORE_SIGNATURE_MEDIA_TYPE, type SigstoreSignature } from '../../src/manifest/signature.js';
import { canonicalJson } from '../../src/trust/canonical-json.js';
import { SIGSTORE_SET_ANNOTATION, SIGSTORE_SIGNATURE_ANNOTATION, verifySigstoreWithKeys } from '../../src/trust/sigstore.js';
import { assertSignatureRejected } from '../helpers/rejections.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const REPOSITORY = 'registry.example/ns/app';

/** The payload exactly as `cosign sign` writes it: repository only, `"optional": null`. */
function cosignPayload(critical: Record<string, unknown> = {}): Buffer {
  const doc = {
    critical: {
      identity: { 'docker-reference': REPOSITORY },
      image: { 'docker-manifest-digest': DIGEST },
      type: 'cosign container image signature',
      ...critical,
    },
    optional: null,
  };
  return Buffer.from(JSON.stringify(doc));
}

interface Pair {
  privateKey: KeyObject;
  /** PEM, as `cosign.pub` holds it. */
  publicPem: Buffer;
}

function pair(kind: 'ec' | 'rsa' | 'ed25519' = 'ec', curve = 'P-256'): Pair {
  const keys =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: curve })
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return { privateKey: keys.privateKey, publicPem: Buffer.from(keys.publicKey.export({ type: 'spki', format: 'pem' }) as string) };
}

/** What cosign puts in the signature annotation: base64 of an ASN.1 ECDSA (or RSA/Ed25519) signature over the payload. */
function cosignSign(payload: Buffer, key: Pair, dsaEncoding: 'der' | 'ieee-p1363' = 'der'): string {
  const algorithm = key.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  return sign(algorithm, payload, { key: key.privateKey, dsaEncoding }).toString('base64');
}

function signature(payload: Buffer, annotations: Record<string, string>, mimeType = SIGSTORE_SIGNATURE_MEDIA_TYPE): SigstoreSignature {
  return { format: 'sigstore', mimeType, payload, annotations };
}

function signed(key: Pair, payload = cosignPayload(), extra: Record<string, string> = {}): SigstoreSignature {
  return signature(payload, { [SIGSTORE_SIGNATURE_ANNOTATION]: cosignSign(payload, key), ...extra });
}

const CLAIMS = { claims: { dockerManifestDigest: DIGEST, dockerReference: REPOSITORY } };
const ASN1_FAILURE = 'invalid signature when validating ASN.1 encoded signature';

/**
 * A real cosign signature with its Rekor SET, from containers/image (Apache-2.0):
 * signature/fixtures/dir-img-cosign-key-rekor-valid/signature-1, with signature/fixtures/cosign2.pub
 * (the signer) and signature/internal/testdata/rekor.pub (the log), at df7e80d. It shows that the
 * verifier, the RFC 8785 canonical form above all, agrees with what cosign and Rekor produce.
 */
const UPSTREAM = {
  payload:
    'eyJjcml0aWNhbCI6eyJpZGVudGl0eSI6eyJkb2NrZXItcmVmZXJlbmNlIjoiMTkyLjE2OC42NC4yOjUwMDAvY29zaWduLXNpZ25lZC9rZXktMSJ9LCJpbWFnZSI6eyJkb2NrZXItbWFuaWZlc3QtZGlnZXN0Ijoic2hhMjU2OjA0ODk0NzRkYThlYTIyNDI2ZWNlODZhY2U2YzFjMDAyNmFiMmZkM2NkZmJiZDYyYjdlOTQ2NTAyNjZjMzdkOWEifSwidHlwZSI6ImNvc2lnbiBjb250YWluZXIgaW1hZ2Ugc2lnbmF0dXJlIn0sIm9wdGlvbmFsIjpudWxsfQ==',
  signature: 'MEUCIQClOJvH+5f5Gr+FLd1c+NS/a+TJQ+BDDoJcnlD0FKqI3AIgPVcMB5yb/JdtohCSzrxATJX6UcyWO+uAWO8Q7CNGnRQ=',
  bundle:
    '{"SignedEntryTimestamp":"MEYCIQCtP1W8YAJxuSNaiWKlVlJoDkXAoTgjZDlZ48ObheV5kgIhAItJ3MB9nU8qc+lf/IGazOQ/VgldK6MOX+I2YMPOMZOs","Payload":{"body":"eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiaGFzaGVkcmVrb3JkIiwic3BlYyI6eyJkYXRhIjp7Imhhc2giOnsiYWxnb3JpdGhtIjoic2hhMjU2IiwidmFsdWUiOiI1ZjQxMDc3NDc2OWEyZWRkNGNkMWVlMzYwNzIyMjMwMThhYzkzNDk1Yzk2OGE0NDJkNDIwOGRhNWNhNzUzZjM3In19LCJzaWduYXR1cmUiOnsiY29udGVudCI6Ik1FVUNJUUNsT0p2SCs1ZjVHcitGTGQxYytOUy9hK1RKUStCRERvSmNubEQwRktxSTNBSWdQVmNNQjV5Yi9KZHRvaENTenJ4QVRKWDZVY3lXTyt1QVdPOFE3Q05HblJRPSIsInB1YmxpY0tleSI6eyJjb250ZW50IjoiTFMwdExTMUNSVWRKVGlCUVZVSk1TVU1nUzBWWkxTMHRMUzBLVFVacmQwVjNXVWhMYjFwSmVtb3dRMEZSV1VsTGIxcEplbW93UkVGUlkwUlJaMEZGZDA5clQwWTVlSEJtUnpobmFIVmxTV2h1V2pZMmIyOTFhbmQwTVFvclVtVldNMGgxY0dkTGJrZEdXVzVGYUROSWFERlpWR2MxVERaclRqRlpZV3RyZERWWGJIUlNiMkYyT0M5U00yaHdRM1JWVHpOU2JHUjNQVDBLTFMwdExTMUZUa1FnVUZWQ1RFbERJRXRGV1MwdExTMHRDZz09In19fX0=","integratedTime":1674251859,"logIndex":11608800,"logID":"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"}}',
  signerKey:
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwOkOF9xpfG8ghueIhnZ66ooujwt1\n+ReV3HupgKnGFYnEh3Hh1YTg5L6kN1Yakkt5WltRoav8/R3hpCtUO3Rldw==\n-----END PUBLIC KEY-----\n',
  rekorKey:
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\nkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n',
};

describe('verifySigstoreWithKeys: public keys', () => {
  const key = pair();
  const wrong = pair();

  test('a cosign signature by a P-256 key', () => {
    assert.deepEqual(verifySigstoreWithKeys(signed(key), [key.publicPem]), CLAIMS);
  });

  test('any one of several keys may verify', () => {
    assert.deepEqual(verifySigstoreWithKeys(signed(key), [wrong.publicPem, key.publicPem]), CLAIMS);
  });

  test('a signature by another key', () => {
    assertSignatureRejected(() => verifySigstoreWithKeys(signed(wrong), [key.publicPem]), `cryptographic signature verification failed: ${ASN1_FAILURE}`);
  });

  test('every key failing gives every reason', () => {
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signed(pair()), [key.publicPem, wrong.publicPem]),
      `cryptographic signature verification failed: ${ASN1_FAILURE}, ${ASN1_FAILURE}`,
    );
  });

  test('a payload changed after signing', () => {
    const sig = signed(key);
    sig.payload = Buffer.from(sig.payload.toString().replace(REPOSITORY, 'registry.example/ns/evil'));
    assertSignatureRejected(() => verifySigstoreWithKeys(sig, [key.publicPem]), `cryptographic signature verification failed: ${ASN1_FAILURE}`);
  });

  test('IEEE P1363 (r‖s) signatures verify too, as sigstore accepts them', () => {
    const payload = cosignPayload();
    const sig = signature(payload, { [SIGSTORE_SIGNATURE_ANNOTATION]: cosignSign(payload, key, 'ieee-p1363') });
    assert.deepEqual(verifySigstoreWithKeys(sig, [key.publicPem]), CLAIMS);
    assertSignatureRejected(
      () => verifySigstoreWithKeys(sig, [wrong.publicPem]),
      'cryptographic signature verification failed: invalid signature when validating IEEE_P1363 encoded signature',
    );
    const odd = signature(payload, { [SIGSTORE_SIGNATURE_ANNOTATION]: Buffer.alloc(63, 1).toString('base64') });
    assertSignatureRejected(
      () => verifySigstoreWithKeys(odd, [key.publicPem]),
      'cryptographic signature verification failed: ecdsa: Invalid IEEE_P1363 encoded bytes',
    );
  });

  test('P-384 and P-521 keys', () => {
    for (const curve of ['P-384', 'P-521']) {
      const other = pair('ec', curve);
      assert.deepEqual(verifySigstoreWithKeys(signed(other), [other.publicPem]), CLAIMS, curve);
    }
  });

  test('RSA keys (PKCS#1 v1.5, SHA-256), as "PUBLIC KEY" or "RSA PUBLIC KEY"', () => {
    const rsa = pair('rsa');
    assert.deepEqual(verifySigstoreWithKeys(signed(rsa), [rsa.publicPem]), CLAIMS);
    const pkcs1 = Buffer.from(createPublicKey(rsa.publicPem).export({ type: 'pkcs1', format: 'pem' }) as string);
    assert.match(pkcs1.toString(), /^-----BEGIN RSA PUBLIC KEY-----/);
    assert.deepEqual(verifySigstoreWithKeys(signed(rsa), [pkcs1]), CLAIMS);
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signed(pair('rsa')), [rsa.publicPem]),
      'cryptographic signature verification failed: crypto/rsa: verification error',
    );
  });

  test('Ed25519 keys', () => {
    const ed = pair('ed25519');
    assert.deepEqual(verifySigstoreWithKeys(signed(ed), [ed.publicPem]), CLAIMS);
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signed(pair('ed25519')), [ed.publicPem]),
      'cryptographic signature verification failed: failed to verify signature',
    );
  });

  test('the payload is parsed only after the signature verified, and strictly', () => {
    assertSignatureRejected(() => verifySigstoreWithKeys(signed(key, cosignPayload({ extra: 1 })), [key.publicPem]), 'Unknown key "extra"');
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signed(wrong, Buffer.from('{"critical": not json')), [key.publicPem]),
      `cryptographic signature verification failed: ${ASN1_FAILURE}`,
    );
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signed(key, Buffer.from('{"critical":{},"critical":{}}')), [key.publicPem]),
      'Duplicate key "critical"',
    );
    const simple = Buffer.from(cosignPayload().toString().replace('cosign container image signature', 'atomic container signature'));
    assertSignatureRejected(() => verifySigstoreWithKeys(signed(key, simple), [key.publicPem]), 'Unrecognized signature type atomic container signature');
  });

  test('the signature annotation must be there, in base64', () => {
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signature(cosignPayload(), {}), [key.publicPem]),
      'missing dev.cosignproject.cosign/signature annotation',
    );
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signature(cosignPayload(), { [SIGSTORE_SIGNATURE_ANNOTATION]: 'not base64!' }), [key.publicPem]),
      'base64 decoding: illegal base64 data',
    );
  });

  test('another attachment type is not a signature', () => {
    const sbom = signature(cosignPayload(), { [SIGSTORE_SIGNATURE_ANNOTATION]: cosignSign(cosignPayload(), key) }, 'application/spdx+json');
    assertSignatureRejected(
      () => verifySigstoreWithKeys(sbom, [key.publicPem]),
      'not a sigstore signature: an attachment of MIME type "application/spdx+json"',
    );
  });
});

describe('verifySigstoreWithKeys: every configured key must load (as upstream)', () => {
  const key = pair();
  const good = () => signed(key);

  test('a broken second key fails even though the first verifies', () => {
    assertSignatureRejected(() => verifySigstoreWithKeys(good(), [key.publicPem, Buffer.from('garbage')]), 'parsing public key 2: PEM decoding failed');
  });

  test('a private key is not a public key', () => {
    const pem = Buffer.from(key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    assertSignatureRejected(
      () => verifySigstoreWithKeys(good(), [pem]),
      'parsing public key 1: unknown Public key PEM file type: PRIVATE KEY. Are you passing the correct public key?',
    );
  });

  test('a GnuPG key is not a cosign key', () => {
    assertSignatureRejected(() => verifySigstoreWithKeys(good(), [Buffer.from([0x99, 0x01, 0x0d, 0x04])]), 'parsing public key 1: PEM decoding failed');
  });

  test('a corrupt PEM body', () => {
    assertSignatureRejected(
      () => verifySigstoreWithKeys(good(), [Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')]),
      /^parsing public key 1: /,
    );
  });

  test('key types and curves sigstore cannot verify with', () => {
    const x25519 = Buffer.from(generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
    assertSignatureRejected(() => verifySigstoreWithKeys(good(), [x25519]), 'parsing public key 1: unsupported public key type');
    const k1 = Buffer.from(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    assertSignatureRejected(() => verifySigstoreWithKeys(good(), [k1]), 'parsing public key 1: x509: unsupported elliptic curve');
  });

  test('no keys at all', () => {
    assertSignatureRejected(() => verifySigstoreWithKeys(good(), []), 'Need at least one public key to verify the sigstore payload, but got 0');
  });
});

/**
 * A Rekor SET as cosign stores it, built by hand: a hashedrekord v0.0.1 entry for this signature,
 * signed by `rekor` over the canonical form of its Payload. `entry` overrides parts of the entry.
 */
function rekorBundle(
  rekor: Pair,
  signer: Pair,
  base64Signature: string,
  payload: Buffer,
  entry: { publicKey?: Buffer; signature?: string; hash?: string } = {},
): string {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: entry.hash ?? createHash('sha256').update(payload).digest('hex') } },
      signature: { content: entry.signature ?? base64Signature, publicKey: { content: (entry.publicKey ?? signer.publicPem).toString('base64') } },
    },
  };
  const setPayload = {
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    integratedTime: 1700000000,
    logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
    logIndex: 12345678,
  };
  // Keys already in RFC 8785 order, no whitespace: this string is the canonical form.
  const canonical = JSON.stringify(setPayload);
  const set = sign('sha256', Buffer.from(canonical), rekor.privateKey).toString('base64');
  // Stored the way cosign writes it: another member order, so the verifier must canonicalize.
  const { logIndex, logID, integratedTime, body: b } = setPayload;
  return JSON.stringify({ SignedEntryTimestamp: set, Payload: { logIndex, body: b, integratedTime, logID } }, null, 1);
}

describe('verifySigstoreWithKeys: with a Rekor key', () => {
  const signer = pair();
  const rekor = pair();
  const payload = cosignPayload();
  const base64Signature = cosignSign(payload, signer);
  const withBundle = (bundle: string) => signature(payload, { [SIGSTORE_SIGNATURE_ANNOTATION]: base64Signature, [SIGSTORE_SET_ANNOTATION]: bundle });

  test('a SET recording this signature by this key', () => {
    assert.deepEqual(verifySigstoreWithKeys(withBundle(rekorBundle(rekor, signer, base64Signature, payload)), [signer.publicPem], [rekor.publicPem]), CLAIMS);
  });

  test('any one of several Rekor keys, any one of several signer keys', () => {
    const sig = withBundle(rekorBundle(rekor, signer, base64Signature, payload));
    assert.deepEqual(verifySigstoreWithKeys(sig, [pair().publicPem, signer.publicPem], [pair().publicPem, rekor.publicPem]), CLAIMS);
  });

  test('a SET signed by another log', () => {
    assertSignatureRejected(
      () => verifySigstoreWithKeys(withBundle(rekorBundle(pair(), signer, base64Signature, payload)), [signer.publicPem], [rekor.publicPem]),
      'No public key verified against the RekorSET: cryptographic signature verification of Rekor SET failed',
    );
  });

  test('a SET whose Payload changed after the log signed it', () => {
    const bundle = rekorBundle(rekor, signer, base64Signature, payload).replace('1700000000', '1700000001');
    assertSignatureRejected(
      () => verifySigstoreWithKeys(withBundle(bundle), [signer.publicPem], [rekor.publicPem]),
      'No public key verified against the RekorSET: cryptographic signature verification of Rekor SET failed',
    );
  });

  test('a log entry for another key, signature or payload', () => {
    const other = pair();
    const cases: [Parameters<typeof rekorBundle>[4], string][] = [
      [{ publicKey: other.publicPem }, 'publicKey in Rekor SET does not match'],
      [{ signature: cosignSign(payload, signer) }, 'signature in Rekor SET does not match'],
      [{ hash: createHash('sha256').update('other').digest('hex') }, 'payload in Rekor SET does not match'],
      [{ hash: 'zz' }, 'Invalid "data.hash.value" field in hashedrekord: not hexadecimal'],
      [{ publicKey: Buffer.from('not pem') }, 'publicKey in Rekor SET is not in PEM format'],
      [{ publicKey: Buffer.concat([signer.publicPem, Buffer.from('\n')]) }, 'publicKey in Rekor SET has trailing data'],
    ];
    for (const [entry, reason] of cases) {
      assertSignatureRejected(
        () => verifySigstoreWithKeys(withBundle(rekorBundle(rekor, signer, base64Signature, payload, entry)), [signer.publicPem], [rekor.publicPem]),
        `No public key verified against the RekorSET: ${reason}`,
      );
    }
  });

  test('only the key the SET names is tried; every key failing gives every reason', () => {
    const sig = withBundle(rekorBundle(rekor, signer, base64Signature, payload));
    const reason = 'publicKey in Rekor SET does not match';
    assertSignatureRejected(
      () => verifySigstoreWithKeys(sig, [pair().publicPem, pair().publicPem], [rekor.publicPem]),
      `No public key verified against the RekorSET: ${reason}, ${reason}`,
    );
  });

  test('the SET annotation must be there when a Rekor key is configured', () => {
    assertSignatureRejected(
      () => verifySigstoreWithKeys(signature(payload, { [SIGSTORE_SIGNATURE_ANNOTATION]: base64Signature }), [signer.publicPem], [rekor.publicPem]),
      'missing dev.sigstore.cosign/bundle annotation',
    );
  });

  test('the SET is read strictly', () => {
    const bundle = JSON.parse(rekorBundle(rekor, signer, base64Signature, payload)) as Record<string, unknown>;
    const extra = JSON.stringify({ ...bundle, Extra: 1 });
    assertSignatureRejected(
      () => verifySigstoreWithKeys(withBundle(extra), [signer.publicPem], [rekor.publicPem]),
      'No public key verified against the RekorSET: Unknown key "Extra"',
    );
    assertSignatureRejected(
      () => verifySigstoreWithKeys(withBundle('{}'), [signer.publicPem], [rekor.publicPem]),
      /^No public key verified against the RekorSET: Key "(SignedEntryTimestamp|Payload)" missing in a JSON object$/,
    );
  });

  test('Rekor keys must load and be ECDSA', () => {
    const sig = withBundle(rekorBundle(rekor, signer, base64Signature, payload));
    assertSignatureRejected(
      () => verifySigstoreWithKeys(sig, [signer.publicPem], [rekor.publicPem, Buffer.from('x')]),
      'parsing Rekor public key 2: PEM decoding failed',
    );
    assertSignatureRejected(() => verifySigstoreWithKeys(sig, [signer.publicPem], [pair('ed25519').publicPem]), 'Rekor public key 1 is not using ECDSA');
  });

  test('a real cosign signature and Rekor SET (containers/image fixture)', () => {
    const sig = signature(Buffer.from(UPSTREAM.payload, 'base64'), {
      [SIGSTORE_SIGNATURE_ANNOTATION]: UPSTREAM.signature,
      [SIGSTORE_SET_ANNOTATION]: UPSTREAM.bundle,
    });
    const claims = {
      dockerManifestDigest: 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a',
      dockerReference: '192.168.64.2:5000/cosign-signed/key-1',
    };
    assert.deepEqual(verifySigstoreWithKeys(sig, [Buffer.from(UPSTREAM.signerKey)], [Buffer.from(UPSTREAM.rekorKey)]), { claims });
    assertSignatureRejected(
      () => verifySigstoreWithKeys(sig, [Buffer.from(UPSTREAM.signerKey)], [signer.publicPem]),
      'No public key verified against the RekorSET: cryptographic signature verification of Rekor SET failed',
    );
  });
});

describe('RFC 8785 canonical JSON', () => {
  const canonical = (text: string) => canonicalJson(parseJsonObject(text));

  test('members sorted by UTF-16 code units, whitespace dropped (RFC 8785 §3.2.3)', () => {
    const text = '{"\\u20ac":1, "\\r":2, "\\ufb33":3, "1":4, "\\ud83d\\ude00":5, "\\u0080":6, "\\u00f6":7, "nested": {"b": [1, {"d": 1, "c": 2}], "a": null}}';
    assert.equal(canonical(text), '{"\\r":2,"1":4,"nested":{"a":null,"b":[1,{"c":2,"d":1}]},"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
  });

  test('numbers as ECMAScript writes them (RFC 8785 §3.2.2.3)', () => {
    const text = '{"a":[0, -0, 1E21, 1e-7, 0.000001, 4.50, 2e-3, 333333333.33333329, 1e+30, 100]}';
    assert.equal(canonical(text), '{"a":[0,0,1e+21,1e-7,0.000001,4.5,0.002,333333333.3333333,1e+30,100]}');
  });

  test('strings escaped minimally', () => {
    assert.equal(canonical('{"s":"\\u000f\\n\\"\\\\\\/\\u00e9"}'), '{"s":"\\u000f\\n\\"\\\\/é"}');
  });

  test('what RFC 8785 cannot represent throws', () => {
    assert.throws(() => canonical('{"a":1e400}'), /number out of range/);
    assert.throws(() => canonical('{"a":"\\ud800"}'), /lone surrogate/);
  });
});
