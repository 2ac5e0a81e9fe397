import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHoistError } from '../../src/errors.js';
import { SIGSTORE_SIGNATURE_MEDIA_TYPE, signatureFromBlob, type SigstoreSignature } from '../../src/manifest/signature.js';
import { certificatesFromPem, loadCaCertificates } from '../../src/trust/certificate-bundles.js';
import type { FulcioTrustRoot } from '../../src/trust/fulcio.js';
import {
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_SET_ANNOTATION,
  SIGSTORE_SIGNATURE_ANNOTATION,
  verifySigstoreWithFulcio,
} from '../../src/trust/sigstore.js';
import { cosignPayload } from '../helpers/signed-images.js';
import { bundle, CA_EXTENSIONS, issue, issuerV1, issuerV2, withDuplicatedExtension, type IssueOptions, type TestCertificate } from '../helpers/certificates.js';
import { keylessAnnotations, rekorBundle, rekorLog, type KeylessOptions } from '../helpers/keyless.js';
import { assertSignatureRejected, CHAIN_FAILED } from '../helpers/rejections.js';

// Keyless signatures as Fulcio and Rekor make them, with certificates openssl makes: a root, an
// intermediate, and ten-minute leaves that lived on 1 January 2020, checked at the time the
// (test) log says it recorded the signature, as upstream checks them.

const DIGEST = `sha256:${'d'.repeat(64)}`;
const REPOSITORY = 'registry.example/ns/app';
const ISSUER = 'https://issuer.example';
const EMAIL = 'signer@example.com';
const payload = cosignPayload(REPOSITORY, DIGEST);
const CLAIMS = { claims: { dockerManifestDigest: DIGEST, dockerReference: REPOSITORY } };

const at = (iso: string) => new Date(iso);
const BORN = at('2020-01-01T00:00:00Z');
const DIED = at('2020-01-01T00:10:00Z');
/** Unix seconds, while the leaves are valid. */
const SIGNED = Date.parse('2020-01-01T00:05:00Z') / 1000;

const caLife = { notBefore: at('2019-01-01T00:00:00Z'), notAfter: at('2040-01-01T00:00:00Z') };
const root = issue({ subject: '/O=Test/CN=Test Fulcio Root', extensions: CA_EXTENSIONS, ...caLife });
const intermediate = issue({ subject: '/O=Test/CN=Test Fulcio Intermediate', issuer: root, extensions: CA_EXTENSIONS, ...caLife });
const log = rekorLog();

/** What Fulcio puts in a leaf: code signing, the email as a critical SAN, the issuer (v2). */
const FULCIO_LEAF = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=codeSigning', `subjectAltName=critical,email:${EMAIL}`, issuerV2(ISSUER)];

function leaf(options: Partial<IssueOptions> = {}): TestCertificate {
  return issue({ subject: '/', issuer: root, notBefore: BORN, notAfter: DIED, extensions: FULCIO_LEAF, ...options });
}

const TRUST: FulcioTrustRoot = { caCertificates: certificatesFromPem(root.pem), oidcIssuer: ISSUER, subjectEmail: EMAIL };

function signature(annotations: Record<string, string>): SigstoreSignature {
  return { format: 'sigstore', mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE, payload, annotations };
}

/** A keyless signature by `options.leaf`, logged at SIGNED unless told otherwise. */
function keyless(options: Partial<KeylessOptions> & { leaf: TestCertificate }): SigstoreSignature {
  return signature(keylessAnnotations({ payload, log, integratedTime: SIGNED, ...options }));
}

function verify(sig: SigstoreSignature, trust: Partial<FulcioTrustRoot> = {}) {
  return verifySigstoreWithFulcio(sig, { ...TRUST, ...trust }, [log.publicPem]);
}

describe('sigstoreSigned with fulcio: the certificate chain, at integratedTime', () => {
  const directLeaf = leaf();

  test('a leaf issued by the CA is accepted, though it expired long ago: it was valid when the log recorded the signature', () => {
    assert.ok(DIED.getTime() < Date.now());
    assert.deepEqual(verify(keyless({ leaf: directLeaf })), CLAIMS);
  });

  test('through an intermediate, from the chain annotation (intermediates, then the root, as cosign writes it)', () => {
    const viaIntermediate = leaf({ issuer: intermediate });
    assert.deepEqual(verify(keyless({ leaf: viaIntermediate, chain: [intermediate, root] })), CLAIMS);
    // The annotation's last certificate is taken for the root and never trusted: alone, the intermediate is not used.
    assertSignatureRejected(
      () => verify(keyless({ leaf: viaIntermediate, chain: [intermediate] })),
      `${CHAIN_FAILED}x509: certificate signed by unknown authority`,
    );
    assertSignatureRejected(() => verify(keyless({ leaf: viaIntermediate })), `${CHAIN_FAILED}x509: certificate signed by unknown authority`);
    // Trusting the intermediate itself as the CA works without any chain.
    assert.deepEqual(verify(keyless({ leaf: viaIntermediate }), { caCertificates: certificatesFromPem(intermediate.pem) }), CLAIMS);
  });

  test('a signature logged after the leaf expired, or before it was issued, is refused', () => {
    assertSignatureRejected(
      () => verify(keyless({ leaf: directLeaf, integratedTime: Date.parse('2020-01-01T00:20:00Z') / 1000 })),
      `${CHAIN_FAILED}x509: certificate has expired or is not yet valid: current time 2020-01-01T00:20:00Z is after 2020-01-01T00:10:00Z`,
    );
    assertSignatureRejected(
      () => verify(keyless({ leaf: directLeaf, integratedTime: Date.parse('2019-12-31T23:59:00Z') / 1000 })),
      `${CHAIN_FAILED}x509: certificate has expired or is not yet valid: current time 2019-12-31T23:59:00Z is before 2020-01-01T00:00:00Z`,
    );
  });

  test('so is one logged while an intermediate was not valid', () => {
    const late = issue({
      subject: '/CN=Late Intermediate',
      issuer: root,
      extensions: CA_EXTENSIONS,
      notBefore: at('2021-01-01T00:00:00Z'),
      notAfter: caLife.notAfter,
    });
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ issuer: late }), chain: [late, root] })),
      `${CHAIN_FAILED}x509: certificate has expired or is not yet valid: current time 2020-01-01T00:05:00Z is before 2021-01-01T00:00:00Z`,
    );
  });

  test("a leaf of another CA is refused; one of a CA with the same name too, with Go's hint", () => {
    const otherRoot = issue({ subject: '/CN=Another Root', extensions: CA_EXTENSIONS, ...caLife });
    assertSignatureRejected(() => verify(keyless({ leaf: leaf({ issuer: otherRoot }) })), `${CHAIN_FAILED}x509: certificate signed by unknown authority`);
    const impostor = issue({ subject: '/O=Test/CN=Test Fulcio Root', extensions: CA_EXTENSIONS, ...caLife });
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ issuer: impostor }) })),
      `${CHAIN_FAILED}x509: certificate signed by unknown authority (possibly because of "x509: ECDSA verification failure" while trying to verify candidate authority certificate "Test Fulcio Root")`,
    );
  });

  test('an intermediate must be a CA, and path length constraints hold', () => {
    const notCa = issue({ subject: '/CN=Not a CA', issuer: root, extensions: ['keyUsage=critical,keyCertSign'], ...caLife });
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ issuer: notCa }), chain: [notCa, root] })),
      `${CHAIN_FAILED}x509: certificate signed by unknown authority (possibly because of "x509: invalid signature: parent certificate cannot sign this kind of certificate" while trying to verify candidate authority certificate "Not a CA")`,
    );
    const strictRoot = issue({
      subject: '/CN=Strict Root',
      extensions: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign'],
      ...caLife,
    });
    const under = issue({ subject: '/CN=Under Strict', issuer: strictRoot, extensions: CA_EXTENSIONS, ...caLife });
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ issuer: under }), chain: [under, strictRoot] }), { caCertificates: certificatesFromPem(strictRoot.pem) }),
      `${CHAIN_FAILED}x509: too many intermediates for path length constraint`,
    );
  });

  test('the leaf must be for code signing; extended key usage nests down the chain, as in Go', () => {
    const serverAuth = FULCIO_LEAF.map((e) => (e.startsWith('extendedKeyUsage') ? 'extendedKeyUsage=serverAuth' : e));
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ extensions: serverAuth }) })),
      `${CHAIN_FAILED}x509: certificate specifies an incompatible key usage`,
    );
    const webOnly = issue({ subject: '/CN=Web Only', issuer: root, extensions: [...CA_EXTENSIONS, 'extendedKeyUsage=serverAuth'], ...caLife });
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ issuer: webOnly }), chain: [webOnly, root] })),
      `${CHAIN_FAILED}x509: certificate specifies an incompatible key usage`,
    );
    // Go reads no extended key usage as no restriction, and anyExtendedKeyUsage as every usage.
    const unrestricted = FULCIO_LEAF.filter((e) => !e.startsWith('extendedKeyUsage'));
    assert.deepEqual(verify(keyless({ leaf: leaf({ extensions: unrestricted }) })), CLAIMS);
    assert.deepEqual(verify(keyless({ leaf: leaf({ extensions: [...unrestricted, 'extendedKeyUsage=anyExtendedKeyUsage'] }) })), CLAIMS);
  });

  test('critical extensions Go does not handle refuse the leaf, except a SAN, which upstream matches itself', () => {
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf({ extensions: [...FULCIO_LEAF, '1.2.3.4=critical,ASN1:NULL'] }) })),
      `${CHAIN_FAILED}x509: unhandled critical extension`,
    );
    const otherNameOnly = FULCIO_LEAF.map((e) => (e.startsWith('subjectAltName') ? 'subjectAltName=critical,otherName:1.2.3.4;UTF8:someone' : e));
    assertSignatureRejected(() => verify(keyless({ leaf: leaf({ extensions: otherNameOnly }) })), `Required email "${EMAIL}" not found (got [])`);
  });
});

describe('sigstoreSigned with fulcio: issuer and subject', () => {
  test("the OIDC issuer must be the policy's", () => {
    assertSignatureRejected(() => verify(keyless({ leaf: leaf() }), { oidcIssuer: 'https://accounts.example' }), `Unexpected Fulcio OIDC issuer "${ISSUER}"`);
  });

  test('the issuer extension: v1 (raw), v2 (DER string), both when they agree', () => {
    const withIssuer = (...ext: string[]) => leaf({ extensions: [...FULCIO_LEAF.slice(0, 3), ...ext] });
    assert.deepEqual(verify(keyless({ leaf: withIssuer(issuerV1(ISSUER)) })), CLAIMS);
    assert.deepEqual(verify(keyless({ leaf: withIssuer(issuerV1(ISSUER), issuerV2(ISSUER)) })), CLAIMS);
    assertSignatureRejected(
      () => verify(keyless({ leaf: withIssuer(issuerV1(ISSUER), issuerV2('https://other.example')) })),
      `inconsistent OIDC issuer extension values: v1 "${ISSUER}", v2 "https://other.example"`,
    );
    assertSignatureRejected(() => verify(keyless({ leaf: withIssuer() })), 'Fulcio certificate is missing the issuer extension');
    assertSignatureRejected(
      () => verify(keyless({ leaf: withIssuer('1.3.6.1.4.1.57264.1.8=ASN1:INTEGER:1') })),
      /^invalid ASN\.1 in OIDC issuer v2 extension: asn1: structure error/,
    );
    const trailing = `1.3.6.1.4.1.57264.1.8=DER:0c03${Buffer.from('abc').toString('hex')}0c0178`;
    assertSignatureRejected(() => verify(keyless({ leaf: withIssuer(trailing) })), 'invalid ASN.1 in OIDC issuer v2 extension, trailing data');
  });

  test('a repeated extension is refused when the certificate is read, as Go does', () => {
    const once = leaf({ extensions: [...FULCIO_LEAF.slice(0, 3), issuerV1(ISSUER)] });
    const twice = withDuplicatedExtension(once, root, '1.3.6.1.4.1.57264.1.1');
    assertSignatureRejected(() => verify(keyless({ leaf: twice })), 'parsing leaf certificate: x509: certificate contains duplicate extensions');
  });

  test("the policy's email must be one of the SAN emails", () => {
    assertSignatureRejected(
      () => verify(keyless({ leaf: leaf() }), { subjectEmail: 'someone@example.com' }),
      `Required email "someone@example.com" not found (got ["${EMAIL}"])`,
    );
    const two = leaf({ extensions: [...FULCIO_LEAF.slice(0, 2), `subjectAltName=critical,email:a@example.com,email:${EMAIL}`, issuerV2(ISSUER)] });
    assert.deepEqual(verify(keyless({ leaf: two })), CLAIMS);
    assertSignatureRejected(
      () => verify(keyless({ leaf: two }), { subjectEmail: 'B@example.com' }),
      `Required email "B@example.com" not found (got ["a@example.com" "${EMAIL}"])`,
    );
  });
});

describe('sigstoreSigned with fulcio: annotations and the Rekor SET', () => {
  const signer = leaf();
  const complete = keylessAnnotations({ leaf: signer, payload, log, integratedTime: SIGNED });
  const without = (name: string) => signature(Object.fromEntries(Object.entries(complete).filter(([key]) => key !== name)));

  test('the signature, the SET and the certificate must be there; the chain may not be', () => {
    assertSignatureRejected(() => verify(without(SIGSTORE_SIGNATURE_ANNOTATION)), 'missing dev.cosignproject.cosign/signature annotation');
    assertSignatureRejected(() => verify(without(SIGSTORE_SET_ANNOTATION)), 'missing dev.sigstore.cosign/bundle annotation');
    assertSignatureRejected(() => verify(without(SIGSTORE_CERTIFICATE_ANNOTATION)), 'missing dev.sigstore.cosign/certificate annotation');
    assert.ok(!(SIGSTORE_CHAIN_ANNOTATION in complete));
  });

  test("the SET must be signed by the policy's log and name this very certificate", () => {
    assertSignatureRejected(() => verify(keyless({ leaf: signer, log: rekorLog() })), 'cryptographic signature verification of Rekor SET failed');
    const base64Signature = complete[SIGSTORE_SIGNATURE_ANNOTATION]!;
    const otherCertificate = rekorBundle({ log, certificatePem: leaf().pem, base64Signature, payload, integratedTime: SIGNED });
    assertSignatureRejected(() => verify(signature({ ...complete, [SIGSTORE_SET_ANNOTATION]: otherCertificate })), 'publicKey in Rekor SET does not match');
  });

  test("the payload signature must be by the leaf's key, even when the log recorded it", () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assertSignatureRejected(
      () => verify(keyless({ leaf: signer, signer: other })),
      'cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature',
    );
  });

  test('the certificate annotation holds one PEM certificate; the chain annotation only certificates', () => {
    assertSignatureRejected(
      () => verify(signature({ ...complete, [SIGSTORE_CERTIFICATE_ANNOTATION]: 'not a certificate' })),
      'public key or cert to be matched against publicKey in Rekor SET is not in PEM format',
    );
    assertSignatureRejected(
      () => verify(signature({ ...complete, [SIGSTORE_CERTIFICATE_ANNOTATION]: bundle(signer, root) })),
      'public key or cert to be matched against publicKey in Rekor SET has trailing data',
    );
    assertSignatureRejected(
      () => verify(signature({ ...complete, [SIGSTORE_CHAIN_ANNOTATION]: `${root.pem}garbage` })),
      'loading certificate chain: error during PEM decoding',
    );
    const tooMany = bundle(...Array.from({ length: 11 }, () => root));
    assertSignatureRejected(
      () => verify(signature({ ...complete, [SIGSTORE_CHAIN_ANNOTATION]: tooMany })),
      'loading certificate chain: too many certificates specified in PEM block',
    );
  });

  test('Rekor keys are mandatory with fulcio', () => {
    assertSignatureRejected(
      () => verifySigstoreWithFulcio(signature(complete), TRUST, []),
      'Internal inconsistency: Fulcio CA specified without a Rekor public key',
    );
  });
});

describe('sigstoreSigned with fulcio: CA certificates from the policy', () => {
  const where = { file: '/etc/containers/policy.json', path: 'default[0].fulcio.caData' };

  test("read as Go's AppendCertsFromPEM: other blocks are skipped, and only a file without any certificate fails", async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const certificates = await loadCaCertificates(
      { kind: 'data', data: Buffer.from(`${key}${broken}${bundle(root, intermediate, root)}`), where },
      'error loading Fulcio CA certificates',
    );
    assert.deepEqual(
      certificates.map((c) => c.subject.commonName),
      ['Test Fulcio Root', 'Test Fulcio Intermediate'],
    );
    await assert.rejects(
      loadCaCertificates({ kind: 'data', data: Buffer.from(`${key}${broken}`), where }, 'error loading Fulcio CA certificates'),
      (err: unknown) => {
        assert.ok(isHoistError(err, 'INVALID_CONFIG'));
        assert.equal(err.message, '/etc/containers/policy.json: default[0].fulcio.caData: error loading Fulcio CA certificates');
        return true;
      },
    );
  });
});

describe('sigstoreSigned with fulcio: a real Fulcio signature (containers/image fixture)', () => {
  const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/trust/fixtures/containers-image/${name}`, import.meta.url)));
  const sig = signatureFromBlob(fixture('fulcio-rekor-valid.signature-1'), 'fixture') as SigstoreSignature;
  const trust = {
    caCertificates: certificatesFromPem(fixture('fulcio_v1.crt.pem').toString()),
    oidcIssuer: 'https://github.com/login/oauth',
    subjectEmail: 'mitr@redhat.com',
  };

  test('is accepted as upstream accepts it, its SCTs unchecked', () => {
    const claims = {
      dockerManifestDigest: 'sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a',
      dockerReference: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1',
    };
    assert.deepEqual(verifySigstoreWithFulcio(sig, trust, [fixture('rekor.pub')]), { claims });
  });

  test('and refused for another subject, or under another log', () => {
    assertSignatureRejected(
      () => verifySigstoreWithFulcio(sig, { ...trust, subjectEmail: 'someone@example.com' }, [fixture('rekor.pub')]),
      'Required email "someone@example.com" not found (got ["mitr@redhat.com"])',
    );
    assertSignatureRejected(() => verifySigstoreWithFulcio(sig, trust, [log.publicPem]), 'cryptographic signature verification of Rekor SET failed');
  });
});
