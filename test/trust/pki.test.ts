import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHoistError } from '../../src/errors.js';
import { SIGSTORE_SIGNATURE_MEDIA_TYPE, signatureFromBlob, type SigstoreSignature } from '../../src/manifest/signature.js';
import { certificatesFromPem, loadIntermediateCertificates } from '../../src/trust/certificate-bundles.js';
import type { PkiTrustRoot } from '../../src/trust/pki.js';
import { SIGSTORE_CERTIFICATE_ANNOTATION, verifySigstoreWithPki } from '../../src/trust/sigstore.js';
import { cosignPayload } from '../helpers/signed-images.js';
import { bundle, CA_EXTENSIONS, issue, type IssueOptions, type TestCertificate } from '../helpers/certificates.js';
import { keylessAnnotations } from '../helpers/keyless.js';
import { assertSignatureRejected, CHAIN_FAILED } from '../helpers/rejections.js';

// Signatures by certificates of one's own PKI (`cosign sign --certificate --certificate-chain`),
// with a root, an intermediate and leaves made by openssl. No Rekor: the chain is checked now.

const DIGEST = `sha256:${'e'.repeat(64)}`;
const REPOSITORY = 'registry.example/ns/app';
const EMAIL = 'builder@example.com';
const HOST = 'builder.example.com';
const payload = cosignPayload(REPOSITORY, DIGEST);
const CLAIMS = { claims: { dockerManifestDigest: DIGEST, dockerReference: REPOSITORY } };

const root = issue({ subject: '/O=Example/CN=Example Root CA', extensions: CA_EXTENSIONS });
const intermediate = issue({ subject: '/O=Example/CN=Example Signing CA', issuer: root, extensions: CA_EXTENSIONS });

const LEAF = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=codeSigning', `subjectAltName=email:${EMAIL},DNS:${HOST}`];

function leaf(options: Partial<IssueOptions> = {}): TestCertificate {
  return issue({ subject: '/O=Example/CN=Example Builder', issuer: intermediate, extensions: LEAF, ...options });
}

const TRUST: PkiTrustRoot = { caRoots: certificatesFromPem(root.pem), caIntermediates: certificatesFromPem(intermediate.pem), subjectEmail: EMAIL };

function signed(signer: TestCertificate, chain?: TestCertificate[]): SigstoreSignature {
  return { format: 'sigstore', mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE, payload, annotations: keylessAnnotations({ leaf: signer, chain, payload }) };
}

function verify(sig: SigstoreSignature, trust: Partial<PkiTrustRoot> = {}) {
  return verifySigstoreWithPki(sig, { ...TRUST, ...trust });
}

describe('sigstoreSigned with pki: the certificate chain, now', () => {
  const builder = leaf();

  test('a leaf chaining to the roots through the configured intermediates, with the email; no SET needed', () => {
    assert.deepEqual(verify(signed(builder)), CLAIMS);
  });

  test('intermediates from the chain annotation instead (its last certificate, the root, is not used)', () => {
    const noIntermediates = { caIntermediates: [] };
    assert.deepEqual(verify(signed(builder, [intermediate, root]), noIntermediates), CLAIMS);
    assertSignatureRejected(() => verify(signed(builder, [intermediate]), noIntermediates), `${CHAIN_FAILED}x509: certificate signed by unknown authority`);
    assertSignatureRejected(() => verify(signed(builder), noIntermediates), `${CHAIN_FAILED}x509: certificate signed by unknown authority`);
  });

  test('the current time is the one that counts: a leaf valid only in 2020 is refused', () => {
    const old = leaf({ notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2020-01-01T00:10:00Z') });
    assertSignatureRejected(
      () => verify(signed(old)),
      /^veryfing leaf certificate failed: x509: certificate has expired or is not yet valid: current time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ is after 2020-01-01T00:10:00Z$/,
    );
  });

  test('the leaf must be for code signing, or unrestricted', () => {
    assertSignatureRejected(
      () => verify(signed(leaf({ extensions: ['extendedKeyUsage=emailProtection', `subjectAltName=email:${EMAIL}`] }))),
      `${CHAIN_FAILED}x509: certificate specifies an incompatible key usage`,
    );
    assert.deepEqual(verify(signed(leaf({ extensions: [`subjectAltName=email:${EMAIL}`] }))), CLAIMS);
  });

  test('a critical SAN Go cannot read is an unhandled critical extension here (unlike fulcio)', () => {
    assertSignatureRejected(
      () => verify(signed(leaf({ extensions: ['extendedKeyUsage=codeSigning', 'subjectAltName=critical,otherName:1.2.3.4;UTF8:x'] }))),
      `${CHAIN_FAILED}x509: unhandled critical extension`,
    );
  });

  test("what Go's x509 refuses: SHA-1 signatures in the chain, curves it does not know", () => {
    assertSignatureRejected(
      () => verify(signed(leaf({ digest: 'sha1' }))),
      `${CHAIN_FAILED}x509: certificate signed by unknown authority (possibly because of "x509: cannot verify signature: insecure algorithm ECDSA-SHA1" while trying to verify candidate authority certificate "Example Signing CA")`,
    );
    assertSignatureRejected(() => verify(signed(leaf({ key: 'secp256k1' }))), 'parsing leaf certificate: x509: unsupported elliptic curve');
  });

  test('an RSA leaf signs as well', () => {
    assert.deepEqual(verify(signed(leaf({ key: 'rsa' }))), CLAIMS);
  });

  test('the certificate annotation must be there', () => {
    const sig = signed(builder);
    delete sig.annotations[SIGSTORE_CERTIFICATE_ANNOTATION];
    assertSignatureRejected(() => verify(sig), 'missing dev.sigstore.cosign/certificate annotation');
    assertSignatureRejected(
      () => verify({ ...sig, annotations: { ...signed(builder).annotations, [SIGSTORE_CERTIFICATE_ANNOTATION]: bundle(builder, builder) } }),
      'unexpected multiple certificates present in signature certificate data',
    );
  });
});

describe('sigstoreSigned with pki: subjectEmail and subjectHostname', () => {
  const builder = leaf();
  const withSan = (san: string, subject = '/CN=Example Builder') =>
    leaf({ subject, extensions: ['extendedKeyUsage=codeSigning', ...(san === '' ? [] : [`subjectAltName=${san}`])] });
  const byHost = (host: string) => ({ subjectEmail: undefined, subjectHostname: host });

  test('the email must be one of the SAN emails', () => {
    assertSignatureRejected(
      () => verify(signed(builder), { subjectEmail: 'someone@example.com' }),
      `Required email "someone@example.com" not found (got ["${EMAIL}"])`,
    );
  });

  test('the hostname matches a DNS SAN, ASCII case aside, and both checks apply when both are set', () => {
    assert.deepEqual(verify(signed(builder), byHost(HOST)), CLAIMS);
    assert.deepEqual(verify(signed(builder), byHost('Builder.Example.COM')), CLAIMS);
    assert.deepEqual(verify(signed(builder), { subjectHostname: HOST }), CLAIMS);
    assertSignatureRejected(
      () => verify(signed(builder), { subjectHostname: 'other.example.com' }),
      `Unexpected subject hostname: x509: certificate is valid for ${HOST}, not other.example.com`,
    );
    assertSignatureRejected(
      () => verify(signed(builder), { subjectEmail: 'someone@example.com', subjectHostname: HOST }),
      `Required email "someone@example.com" not found (got ["${EMAIL}"])`,
    );
  });

  test('a wildcard is a whole left-most label, for one label', () => {
    const wildcard = withSan('DNS:*.builders.example.com');
    assert.deepEqual(verify(signed(wildcard), byHost('a.builders.example.com')), CLAIMS);
    assertSignatureRejected(
      () => verify(signed(wildcard), byHost('a.b.builders.example.com')),
      'Unexpected subject hostname: x509: certificate is valid for *.builders.example.com, not a.b.builders.example.com',
    );
  });

  test("Go's messages when there is nothing to match", () => {
    assertSignatureRejected(
      () => verify(signed(withSan(`email:${EMAIL}`)), byHost(HOST)),
      `Unexpected subject hostname: x509: certificate is not valid for any names, but wanted to match ${HOST}`,
    );
    // The common name is never used, but said when it would have matched.
    assertSignatureRejected(
      () => verify(signed(withSan('', `/CN=${HOST}`)), byHost(HOST)),
      'Unexpected subject hostname: x509: certificate relies on legacy Common Name field, use SANs instead',
    );
  });

  test('an IP address matches IP SANs only, however it is written', () => {
    const byIp = withSan('IP:10.0.0.7,IP:2001:db8::1,DNS:10.0.0.8');
    for (const host of ['10.0.0.7', '[10.0.0.7]', '::ffff:10.0.0.7', '2001:DB8:0:0::1', '[2001:db8::1]'])
      assert.deepEqual(verify(signed(byIp), byHost(host)), CLAIMS, host);
    assertSignatureRejected(
      () => verify(signed(byIp), byHost('10.0.0.8')),
      'Unexpected subject hostname: x509: certificate is valid for 10.0.0.7, 2001:db8::1, not 10.0.0.8',
    );
    assertSignatureRejected(
      () => verify(signed(builder), byHost('10.0.0.7')),
      "Unexpected subject hostname: x509: cannot validate certificate for 10.0.0.7 because it doesn't contain any IP SANs",
    );
  });
});

describe('sigstoreSigned with pki: CA certificates from the policy', () => {
  test('caIntermediates must hold certificates only (cryptoutils.UnmarshalCertificatesFromPEM)', async () => {
    const where = { file: '/etc/containers/policy.json', path: 'default[0].pki.caIntermediatesData' };
    assert.equal((await loadIntermediateCertificates({ kind: 'data', data: Buffer.from(bundle(intermediate, root)), where })).length, 2);
    await assert.rejects(loadIntermediateCertificates({ kind: 'data', data: Buffer.from(`${intermediate.pem}trailing words`), where }), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_CONFIG'));
      assert.equal(
        err.message,
        '/etc/containers/policy.json: default[0].pki.caIntermediatesData: loading trusted intermediate certificates: error during PEM decoding',
      );
      return true;
    });
  });
});

describe('sigstoreSigned with pki: a real cosign signature (containers/image fixture)', () => {
  const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/trust/fixtures/containers-image/${name}`, import.meta.url)));
  const sig = signatureFromBlob(fixture('pki-valid.signature-1'), 'fixture') as SigstoreSignature;
  const trust: PkiTrustRoot = {
    caRoots: certificatesFromPem(fixture('pki_root_crts.pem').toString()),
    caIntermediates: certificatesFromPem(fixture('pki_intermediate_crts.pem').toString()),
    subjectEmail: 'qiwan@redhat.com',
    subjectHostname: 'myhost.example.com',
  };

  test('an RSA chain, a leaf without extended key usage, the intermediates from the policy or the annotation', () => {
    const claims = { dockerManifestDigest: 'sha256:253c890b744fe3efa923b68e3a1be07bd007eb44ba29da1e7deb1d4c53b3e212', dockerReference: 'localhost:5000/test' };
    assert.deepEqual(verifySigstoreWithPki(sig, trust), { claims });
    assert.deepEqual(verifySigstoreWithPki(sig, { ...trust, caIntermediates: [] }), { claims });
    assertSignatureRejected(
      () => verifySigstoreWithPki(sig, { ...trust, subjectHostname: 'otherhost.example.com' }),
      'Unexpected subject hostname: x509: certificate is valid for myhost.example.com, not otherhost.example.com',
    );
  });
});
