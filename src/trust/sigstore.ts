/**
 * Verifies a sigstore (cosign) signature against public keys, with node:crypto alone, as
 * c/image's policy_eval_sigstore.go and signature/internal/sigstore_payload.go do for
 * `sigstoreSigned` with keyPath/keyPaths/keyData/keyDatas (Fulcio and PKI are handled elsewhere):
 *
 * 1. every configured key must load, or nothing is tried (so a broken fallback key is found
 *    before it is needed);
 * 2. the signature annotation must be there;
 * 3. with Rekor keys, the SET must be the log's and record this signature by one of the keys,
 *    which is then the only key tried;
 * 4. the base64 signature must verify over the raw payload (SHA-256);
 * 5. only then is the payload JSON parsed.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { quoteForMessage } from '../config/policy/json.js';
import { SIGSTORE_SIGNATURE_MEDIA_TYPE, type SigstoreSignature } from '../manifest/index.js';
import { parseCosignPayload, type SignedClaims } from './payload.js';
import { decodeBase64, decodePem } from './pem.js';
import { verifyRekorSet } from './rekor-set.js';
import { SignatureRejection } from './rejection.js';

export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIGSTORE_SET_ANNOTATION = 'dev.sigstore.cosign/bundle';

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
  // Upstream never gets here with other attachments: it counts them as "sigstore non-signature attachments".
  if (signature.mimeType !== SIGSTORE_SIGNATURE_MEDIA_TYPE) {
    throw new SignatureRejection(`not a sigstore signature: an attachment of MIME type ${quoteForMessage(signature.mimeType)}`);
  }
  if (publicKeys.length === 0) throw new SignatureRejection('Need at least one public key to verify the sigstore payload, but got 0');
  const keys = publicKeys.map((pem, i) => parsePublicKey(pem, `parsing public key ${i + 1}`));
  const rekorKeys = rekorPublicKeys?.map((pem, i) => parseRekorKey(pem, i + 1));

  const base64Signature = signature.annotations[SIGSTORE_SIGNATURE_ANNOTATION];
  if (base64Signature === undefined) throw new SignatureRejection(`missing ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`);
  const candidates = rekorKeys === undefined ? keys : [loggedKey(signature, keys, rekorKeys, base64Signature)];

  const raw = decodeBase64(base64Signature);
  if (raw === undefined) throw new SignatureRejection('base64 decoding: illegal base64 data');
  const failures: string[] = [];
  for (const key of candidates) {
    const failure = verifyPayload(key, signature.payload, raw);
    if (failure === undefined) return { claims: parseCosignPayload(signature.payload) };
    failures.push(failure);
  }
  throw new SignatureRejection(`cryptographic signature verification failed: ${failures.join(', ')}`);
}

/** The first key the SET records; the SET holds one key, so the others cannot match. */
function loggedKey(signature: SigstoreSignature, keys: readonly KeyObject[], rekorKeys: readonly KeyObject[], base64Signature: string): KeyObject {
  const set = signature.annotations[SIGSTORE_SET_ANNOTATION];
  if (set === undefined) throw new SignatureRejection(`missing ${SIGSTORE_SET_ANNOTATION} annotation`);
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

/** The curves Go's x509 parses (P-224, P-256, P-384, P-521), by OpenSSL's names. */
const GO_CURVES = new Set(['secp224r1', 'prime256v1', 'secp384r1', 'secp521r1']);

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
      return verifies('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, signature) ? undefined : 'invalid signature when validating IEEE_P1363 encoded signature';
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
  const sequence = readTlv(sig, 0);
  if (sequence === undefined || sequence.tag !== 0x30) return false;
  const r = readTlv(sig, sequence.start);
  if (r === undefined || r.tag !== 0x02 || r.end > sequence.end) return false;
  const s = readTlv(sig, r.end);
  return s !== undefined && s.tag === 0x02 && s.end === sequence.end;
}

/** One DER tag-length-value at `at` (definite lengths up to 2 bytes, plenty for a signature). */
function readTlv(bytes: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
  const tag = bytes[at];
  const first = bytes[at + 1];
  if (tag === undefined || first === undefined) return undefined;
  let length = first;
  let start = at + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 2 || start + octets > bytes.length) return undefined;
    length = bytes.readUIntBE(start, octets);
    start += octets;
  }
  const end = start + length;
  return end <= bytes.length ? { tag, start, end } : undefined;
}
