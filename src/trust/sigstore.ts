/**
 * Verifies a sigstore (cosign) signature, with node:crypto alone, as c/image's
 * policy_eval_sigstore.go and signature/internal/sigstore_payload.go do for `sigstoreSigned`:
 *
 * 1. every configured key must load, or nothing is tried (so a broken fallback key is found
 *    before it is needed);
 * 2. the signature annotation must be there;
 * 3. the key to verify with: with public keys and Rekor keys, the one the SET records; with
 *    public keys alone, any of them; with Fulcio or PKI, the leaf certificate's, once fulcio.ts or
 *    pki.ts has accepted the certificate;
 * 4. the base64 signature must verify over the raw payload (SHA-256);
 * 5. only then is the payload JSON parsed.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { quoteForMessage } from '../config/policy/json.js';
import { SIGSTORE_SIGNATURE_MEDIA_TYPE, type SigstoreSignature } from '../manifest/index.js';
import { DerError, readElement, readElements, TAG } from './der.js';
import { verifyFulcioCertificate, type FulcioTrustRoot } from './fulcio.js';
import { parseCosignPayload, type SignedClaims } from './payload.js';
import { decodeStrictBase64 } from '../base64.js';
import { decodePem } from './pem.js';
import { verifyPkiCertificate, type PkiTrustRoot } from './pki.js';
import { verifyRekorSet } from './rekor-set.js';
import { SignatureRejection } from './rejection.js';
import { GO_CURVES } from './x509.js';

export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIGSTORE_SET_ANNOTATION = 'dev.sigstore.cosign/bundle';
/** The signer's certificate (PEM), for Fulcio and PKI. */
export const SIGSTORE_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
/** The rest of its chain (PEM): intermediates, then the root. */
export const SIGSTORE_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';

export interface SigstoreVerification {
  claims: SignedClaims;
}

/**
 * `publicKeys`: PEM public keys (`PUBLIC KEY`, or `RSA PUBLIC KEY`); ECDSA (cosign's default,
 * P-256), RSA (PKCS#1 v1.5) and Ed25519 keys verify. `rekorPublicKeys`: PEM ECDSA keys of the
 * transparency log; when given, the `dev.sigstore.cosign/bundle` SET is required.
 * Every refusal is a SignatureRejection.
 */
export function verifySigstoreWithKeys(signature: SigstoreSignature, publicKeys: readonly Buffer[], rekorPublicKeys?: readonly Buffer[]): SigstoreVerification {
  requireSignature(signature);
  if (publicKeys.length === 0) throw new SignatureRejection('Need at least one public key to verify the sigstore payload, but got 0');
  const keys = publicKeys.map((pem, i) => parsePublicKey(pem, `parsing public key ${i + 1}`));
  const rekorKeys = rekorPublicKeys?.map((pem, i) => parseRekorKey(pem, i + 1));

  const base64Signature = annotation(signature, SIGSTORE_SIGNATURE_ANNOTATION);
  const candidates = rekorKeys === undefined ? keys : [loggedKey(signature, keys, rekorKeys, base64Signature)];
  return verifiedClaims(signature, base64Signature, candidates);
}

/**
 * `trust`: the policy's Fulcio CA certificates, OIDC issuer and email; `rekorPublicKeys` (PEM,
 * ECDSA) are mandatory. The signature must carry its certificate, chain and SET (fulcio.ts).
 */
export function verifySigstoreWithFulcio(signature: SigstoreSignature, trust: FulcioTrustRoot, rekorPublicKeys: readonly Buffer[]): SigstoreVerification {
  requireSignature(signature);
  const rekorKeys = rekorPublicKeys.map((pem, i) => parseRekorKey(pem, i + 1));
  // The policy parser refuses fulcio without Rekor keys; only a library caller could get here.
  if (rekorKeys.length === 0) throw new SignatureRejection('Internal inconsistency: Fulcio CA specified without a Rekor public key');
  const base64Signature = annotation(signature, SIGSTORE_SIGNATURE_ANNOTATION);
  const set = annotation(signature, SIGSTORE_SET_ANNOTATION);
  const certificate = annotation(signature, SIGSTORE_CERTIFICATE_ANNOTATION);
  const chain = signature.annotations[SIGSTORE_CHAIN_ANNOTATION];
  const key = verifyFulcioCertificate(trust, { rekorKeys, set, certificate, chain, base64Signature, payload: signature.payload });
  return verifiedClaims(signature, base64Signature, [certificateKey(key)]);
}

/** `trust`: the policy's PKI roots, intermediates and subject; the signature must carry its certificate (pki.ts). */
export function verifySigstoreWithPki(signature: SigstoreSignature, trust: PkiTrustRoot): SigstoreVerification {
  requireSignature(signature);
  const base64Signature = annotation(signature, SIGSTORE_SIGNATURE_ANNOTATION);
  const certificate = annotation(signature, SIGSTORE_CERTIFICATE_ANNOTATION);
  const key = verifyPkiCertificate(trust, certificate, signature.annotations[SIGSTORE_CHAIN_ANNOTATION]);
  return verifiedClaims(signature, base64Signature, [certificateKey(key)]);
}

/** Upstream never gets here with other attachments: it counts them as "sigstore non-signature attachments". */
function requireSignature(signature: SigstoreSignature): void {
  if (signature.mimeType !== SIGSTORE_SIGNATURE_MEDIA_TYPE) {
    throw new SignatureRejection(`not a sigstore signature: an attachment of MIME type ${quoteForMessage(signature.mimeType)}`);
  }
}

function annotation(signature: SigstoreSignature, name: string): string {
  const value = signature.annotations[name];
  if (value === undefined) throw new SignatureRejection(`missing ${name} annotation`);
  return value;
}

/** Steps 4 and 5: the signature over the payload by one of `candidates`, then the payload's claims. */
function verifiedClaims(signature: SigstoreSignature, base64Signature: string, candidates: readonly KeyObject[]): SigstoreVerification {
  const raw = decodeStrictBase64(base64Signature);
  if (raw === undefined) throw new SignatureRejection('base64 decoding: illegal base64 data');
  const failures: string[] = [];
  for (const key of candidates) {
    const failure = verifyPayload(key, signature.payload, raw);
    if (failure === undefined) return { claims: parseCosignPayload(signature.payload) };
    failures.push(failure);
  }
  throw new SignatureRejection(`cryptographic signature verification failed: ${failures.join(', ')}`);
}

/** A certificate's key, if sigstore's LoadVerifier can verify with it (x509.ts has checked EC curves). */
function certificateKey(key: KeyObject): KeyObject {
  const kind = key.asymmetricKeyType;
  if (kind !== 'ec' && kind !== 'rsa' && kind !== 'ed25519') throw new SignatureRejection('unsupported public key type');
  return key;
}

/** The first key the SET records; the SET holds one key, so the others cannot match. */
function loggedKey(signature: SigstoreSignature, keys: readonly KeyObject[], rekorKeys: readonly KeyObject[], base64Signature: string): KeyObject {
  const set = annotation(signature, SIGSTORE_SET_ANNOTATION);
  const failures: string[] = [];
  for (const key of keys) {
    try {
      verifyRekorSet({ rekorKeys, set, signerKeyDer: key.export({ type: 'spki', format: 'der' }), base64Signature, payload: signature.payload });
      return key;
    } catch (err) {
      if (!(err instanceof SignatureRejection)) throw err;
      failures.push(err.message);
    }
  }
  throw new SignatureRejection(`No public key verified against the RekorSET: ${failures.join(', ')}`);
}

/** sigstore's cryptoutils.UnmarshalPEMToPublicKey plus LoadVerifier's key types, in their words. */
function parsePublicKey(pem: Buffer, context: string): KeyObject {
  const block = decodePem(pem.toString('latin1'));
  if (block === undefined) throw new SignatureRejection(`${context}: PEM decoding failed`);
  const type = block.type === 'PUBLIC KEY' ? 'spki' : block.type === 'RSA PUBLIC KEY' ? 'pkcs1' : undefined;
  if (type === undefined) {
    throw new SignatureRejection(`${context}: unknown Public key PEM file type: ${block.type}. Are you passing the correct public key?`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type });
  } catch (err) {
    throw new SignatureRejection(`${context}: ${(err as Error).message}`, { cause: err });
  }
  const kind = key.asymmetricKeyType;
  if (kind === 'ec' && !GO_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    throw new SignatureRejection(`${context}: x509: unsupported elliptic curve`);
  }
  if (kind !== 'ec' && kind !== 'rsa' && kind !== 'ed25519') throw new SignatureRejection(`${context}: unsupported public key type`);
  return key;
}

function parseRekorKey(pem: Buffer, index: number): KeyObject {
  const key = parsePublicKey(pem, `parsing Rekor public key ${index}`);
  if (key.asymmetricKeyType !== 'ec') throw new SignatureRejection(`Rekor public key ${index} is not using ECDSA`);
  return key;
}

/** Why `signature` does not verify `payload` under `key` (sigstore's verifiers' messages), or undefined. */
function verifyPayload(key: KeyObject, payload: Buffer, signature: Buffer): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'ec':
      // As sigstore's ECDSAVerifier: ASN.1 DER (what cosign writes) if it parses, else IEEE P1363 r‖s.
      if (isDerEcdsaSignature(signature)) {
        return verifies('sha256', payload, { key, dsaEncoding: 'der' }, signature) ? undefined : 'invalid signature when validating ASN.1 encoded signature';
      }
      if (signature.length === 0 || signature.length > 132 || signature.length % 2 !== 0) return 'ecdsa: Invalid IEEE_P1363 encoded bytes';
      return verifies('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, signature)
        ? undefined
        : 'invalid signature when validating IEEE_P1363 encoded signature';
    case 'rsa':
      return verifies('sha256', payload, key, signature) ? undefined : 'crypto/rsa: verification error';
    default:
      // Ed25519 signs the message itself, no pre-hash.
      return verifies(null, payload, key, signature) ? undefined : 'failed to verify signature';
  }
}

function verifies(algorithm: string | null, data: Buffer, key: Parameters<typeof verify>[2], signature: Buffer): boolean {
  try {
    return verify(algorithm, data, key, signature);
  } catch {
    // OpenSSL refuses some malformed signatures outright rather than returning false.
    return false;
  }
}

/** `SEQUENCE { INTEGER, INTEGER }` in DER at the start of `sig`, which is what Go's asn1.Unmarshal accepts there. */
function isDerEcdsaSignature(sig: Buffer): boolean {
  try {
    const { element } = readElement(sig);
    const parts = element.tag === TAG.SEQUENCE ? readElements(element.content) : [];
    return parts.length === 2 && parts.every((part) => part.tag === TAG.INTEGER);
  } catch (err) {
    if (err instanceof DerError) return false;
    throw err;
  }
}
