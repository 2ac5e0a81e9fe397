/**
 * The Rekor "signed entry timestamp" cosign stores in a signature's `dev.sigstore.cosign/bundle`
 * annotation: proof that the transparency log recorded this signature, by this key, over this
 * payload. Checked as c/image's signature/internal/rekor_set.go checks it, with its messages:
 *
 *   {"SignedEntryTimestamp": base64(ECDSA-ASN.1 signature over SHA-256(JCS(Payload))),
 *    "Payload": {"body": base64(hashedrekord v0.0.1 entry), "integratedTime", "logIndex", "logID"}}
 *
 * The log's time and inclusion proof are not checked (upstream neither: only presence in the log).
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { quoteForMessage, type JsonObject } from '../config/policy/json.js';
import { canonicalJson } from './canonical-json.js';
import { asObject, bytesOf, exactFields, field, integerOf, parseDocument, stringOf, typeMismatch, within } from './json-fields.js';
import { decodeStrictBase64 } from '../base64.js';
import { decodePem } from './pem.js';
import { SignatureRejection } from './rejection.js';

export interface RekorSetInput {
  /** The log's public keys (ECDSA); any one may have signed the SET. */
  rekorKeys: readonly KeyObject[];
  /** The `dev.sigstore.cosign/bundle` annotation. */
  set: string;
  /** The signer's public key, as SPKI DER, that the entry must name. */
  signerKeyDer: Buffer;
  /** The `dev.cosignproject.cosign/signature` annotation (base64). */
  base64Signature: string;
  payload: Buffer;
}

/**
 * Throws a SignatureRejection unless the SET is the log's and records exactly this signature;
 * returns the entry's integratedTime (Unix seconds), read from the verified bytes, as upstream's
 * VerifyRekorSET returns it.
 */
export function verifyRekorSet(input: RekorSetInput): number {
  const top = exactFields(parseDocument(Buffer.from(input.set, 'utf8')), ['SignedEntryTimestamp', 'Payload']);
  const setSignature = bytesOf(top.SignedEntryTimestamp);
  let canonical: Buffer;
  try {
    canonical = Buffer.from(canonicalJson(top.Payload), 'utf8');
  } catch (err) {
    throw new SignatureRejection(`canonicalizing Rekor SET JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!input.rekorKeys.some((key) => ecdsaVerifies(key, canonical, setSignature))) {
    throw new SignatureRejection('cryptographic signature verification of Rekor SET failed');
  }

  // From here on, only the verified canonical bytes are read.
  const { body, integratedTime } = within('parsing Rekor SET payload', () => {
    const payload = exactFields(parseDocument(canonical), ['body', 'integratedTime', 'logIndex', 'logID']);
    const time = integerOf(payload.integratedTime);
    integerOf(payload.logIndex);
    stringOf(payload.logID);
    return { body: bytesOf(payload.body), integratedTime: time };
  });
  const spec = hashedRekordSpec(body);
  checkPublicKey(spec, input.signerKeyDer);
  checkSignature(spec, input.base64Signature);
  checkPayloadHash(spec, input.payload);
  return integratedTime;
}

const HASHEDREKORD_KIND = 'hashedrekord';
const HASHEDREKORD_VERSION = '0.0.1';

/** The entry's `spec`, once its kind and version are the one this code understands. */
function hashedRekordSpec(body: Buffer): JsonObject | undefined {
  const entry = within('decoding the body of a Rekor SET payload', () => {
    const entry = parseDocument(body);
    const kind = optionalString(entry, 'kind') ?? '';
    if (kind !== HASHEDREKORD_KIND) throw new SignatureRejection(`invalid kind value: ${quoteForMessage(kind)}`);
    return entry;
  });
  const version = within('decoding the body of a Rekor SET payload', () => optionalString(entry, 'apiVersion'));
  if (version === undefined) throw new SignatureRejection('missing Rekor SET Payload API version');
  if (version !== HASHEDREKORD_VERSION) throw new SignatureRejection(`unsupported Rekor SET Payload hashedrekord version ${quoteForMessage(version)}`);
  // (sic) upstream's spelling of the prefix.
  return within('decoding hashedrekod spec', () => {
    const spec = entry.members.find((m) => m.key === 'spec')?.value;
    if (spec === undefined) throw new SignatureRejection('unexpected end of JSON input');
    return spec.kind === 'null' ? undefined : asObject(spec);
  });
}

function checkPublicKey(spec: JsonObject | undefined, signerKeyDer: Buffer): void {
  const signature = objectField(spec, 'signature');
  if (signature === undefined) throw new SignatureRejection('Missing "signature" field in hashedrekord');
  const publicKey = objectField(signature, 'publicKey');
  if (publicKey === undefined) throw new SignatureRejection('Missing "signature.publicKey" field in hashedrekord');
  const pem = decodePem(specBytes(publicKey, 'content').toString('latin1'));
  if (pem === undefined) throw new SignatureRejection('publicKey in Rekor SET is not in PEM format');
  if (pem.rest.length !== 0) throw new SignatureRejection('publicKey in Rekor SET has trailing data');
  // The DER is compared, not the PEM label or headers (as upstream).
  if (!pem.der.equals(signerKeyDer)) throw new SignatureRejection('publicKey in Rekor SET does not match');
}

function checkSignature(spec: JsonObject | undefined, base64Signature: string): void {
  const signature = decodeStrictBase64(base64Signature);
  if (signature === undefined) throw new SignatureRejection('decoding signature base64: illegal base64 data');
  // checkPublicKey has established that spec.signature is an object.
  const recorded = specBytes(objectField(spec, 'signature')!, 'content');
  if (!recorded.equals(signature)) throw new SignatureRejection('signature in Rekor SET does not match');
}

function checkPayloadHash(spec: JsonObject | undefined, payload: Buffer): void {
  const data = objectField(spec, 'data');
  if (data === undefined) throw new SignatureRejection('Missing "data" field in hashedrekord');
  const hash = objectField(data, 'hash');
  if (hash === undefined) throw new SignatureRejection('Missing "data.hash" field in hashedrekord');
  const algorithm = within('decoding hashedrekod spec', () => optionalString(hash, 'algorithm'));
  if (algorithm === undefined) throw new SignatureRejection('Missing "data.hash.algorithm" field in hashedrekord');
  // Upstream, as cosign, knows only SHA-256 here.
  if (algorithm !== 'sha256') throw new SignatureRejection(`Unexpected "data.hash.algorithm" value ${quoteForMessage(algorithm)}`);
  const value = within('decoding hashedrekod spec', () => optionalString(hash, 'value'));
  if (value === undefined) throw new SignatureRejection('Missing "data.hash.value" field in hashedrekord');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw new SignatureRejection('Invalid "data.hash.value" field in hashedrekord: not hexadecimal');
  if (!Buffer.from(value, 'hex').equals(createHash('sha256').update(payload).digest())) throw new SignatureRejection('payload in Rekor SET does not match');
}

/** A nested object of the spec, read as Go reads a struct pointer: absent or null is undefined. */
function objectField(object: JsonObject | undefined, name: string): JsonObject | undefined {
  if (object === undefined) return undefined;
  return within('decoding hashedrekod spec', () => {
    const value = field(object, name);
    return value === undefined ? undefined : asObject(value);
  });
}

/** A `[]byte` field (base64), empty when absent. */
function specBytes(object: JsonObject, name: string): Buffer {
  const value = field(object, name);
  return value === undefined ? Buffer.alloc(0) : within('decoding hashedrekod spec', () => bytesOf(value));
}

function optionalString(object: JsonObject, name: string): string | undefined {
  const value = field(object, name);
  if (value === undefined) return undefined;
  if (value.kind !== 'string') throw typeMismatch(value, 'string');
  return value.value;
}

/** ECDSA over SHA-256 with an ASN.1 (DER) signature, as Go's ecdsa.VerifyASN1 checks it. */
function ecdsaVerifies(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    // OpenSSL refuses malformed DER outright; that is a failed verification too.
    return false;
  }
}
