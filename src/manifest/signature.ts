/**
 * Image signatures as data, in the forms containers/image keeps them: a simple-signing blob (an
 * OpenPGP signed message), or a sigstore (cosign) payload with its annotations. This module knows
 * their on-disk encoding, not how to verify them (trust/).
 */
import { HoistError } from '../errors.js';
import { parseJsonObject } from '../untrusted-json.js';

export type Signature = SimpleSigningSignature | SigstoreSignature;

export interface SimpleSigningSignature {
  format: 'simple-signing';
  /** The OpenPGP signed message, exactly as it was read. */
  blob: Buffer;
}

export interface SigstoreSignature {
  format: 'sigstore';
  /** The layer's media type; only `application/vnd.dev.cosign.simplesigning.v1+json` is a signature. */
  mimeType: string;
  /** The payload (the layer blob) the signature covers. */
  payload: Buffer;
  /** The layer's annotations: `dev.cosignproject.cosign/signature`, `dev.sigstore.cosign/bundle`, … */
  annotations: Record<string, string>;
}

export const SIGSTORE_SIGNATURE_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** containers/image's limits (iolimits.MaxSignatureBodySize, the lookaside's 128 entries). */
export const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;
export const MAX_SIGNATURES = 128;

/**
 * Reads c/image's signature blob format (internal/signature FromBlob): `\0<format>\n<data>` for
 * an explicit format, else a bare OpenPGP message recognised by its first byte (as lookaside
 * files and `dir:` `signature-N` files hold them).
 */
export function signatureFromBlob(blob: Buffer, what: string): Signature {
  if (blob.length === 0) throw invalid(what, 'it is empty');
  if (blob[0] !== 0) {
    if (!OPENPGP_FIRST_BYTES.has(blob[0]!)) throw invalid(what, `unrecognised signature format (first byte 0x${blob[0]!.toString(16).padStart(2, '0')})`);
    return { format: 'simple-signing', blob };
  }
  const newline = blob.indexOf(0x0a);
  if (newline < 0) throw invalid(what, 'no newline after the format name');
  const format = blob.subarray(1, newline).toString('latin1');
  const data = blob.subarray(newline + 1);
  if (format === 'simple-signing') return { format: 'simple-signing', blob: data };
  if (format === 'sigstore-json') return sigstoreFromJson(data, what);
  throw invalid(what, `unrecognised signature format ${JSON.stringify(format.slice(0, 40))}`);
}

/** The blob form of a signature: a bare OpenPGP message, or `\0sigstore-json\n{…}` (as c/image writes them). */
export function signatureToBlob(signature: Signature): Buffer {
  if (signature.format === 'simple-signing') return signature.blob;
  const json = JSON.stringify({ mimeType: signature.mimeType, payload: signature.payload.toString('base64'), annotations: signature.annotations });
  return Buffer.concat([Buffer.from('\0sigstore-json\n', 'latin1'), Buffer.from(json, 'utf8')]);
}

/**
 * First bytes of an OpenPGP message: compressed data (0xA0–0xA3, 0xC8), one-pass signature
 * (0x90–0x92, 0xC4), signature (0x88–0x8B, 0xC2); containers/image's list.
 */
const OPENPGP_FIRST_BYTES = new Set([0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2]);

function sigstoreFromJson(data: Buffer, what: string): SigstoreSignature {
  const o = parseJsonObject(data, (p) =>
    invalid(what, p.problem === 'syntax' ? 'its sigstore JSON does not parse' : 'its sigstore JSON lacks mimeType or payload'),
  );
  if (typeof o.mimeType !== 'string' || typeof o.payload !== 'string') {
    throw invalid(what, 'its sigstore JSON lacks mimeType or payload');
  }
  const annotations: Record<string, string> = {};
  if (o.annotations !== undefined && o.annotations !== null) {
    if (typeof o.annotations !== 'object') throw invalid(what, 'its sigstore annotations are not an object');
    for (const [key, value] of Object.entries(o.annotations as Record<string, unknown>)) {
      if (typeof value !== 'string') throw invalid(what, `its sigstore annotation ${JSON.stringify(key.slice(0, 80))} is not a string`);
      annotations[key] = value;
    }
  }
  return { format: 'sigstore', mimeType: o.mimeType, payload: Buffer.from(o.payload, 'base64'), annotations };
}

function invalid(what: string, reason: string): HoistError {
  return new HoistError('INVALID_SIGNATURE', `${what}: ${reason}`);
}
