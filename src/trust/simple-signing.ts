/**
 * Verifies a simple-signing ("atomic container signature") blob: an OpenPGP *signed message*
 * (RFC 4880 §11.3) embedding the JSON payload, as containers-signature(5) requires and as
 * c/image's mechanisms (gpgme, openpgp, sequoia) check it. The cryptography comes first; the JSON
 * is parsed only once the signature is known good.
 *
 * openpgp is loaded on first use: it is a large module, and a pull without a signedBy
 * requirement must not pay for it.
 *
 * OpenPGP.js's own safety defaults stay on, stricter than GnuPG in places: SHA-1 (and MD5,
 * RIPEMD-160) message signatures are rejected (`Insecure message hash algorithm: SHA1`), as are
 * RSA keys under 2047 bits and DSA/ElGamal keys. Signers must use SHA-2 with a modern key, which
 * every current gpg does by default.
 */
import type * as OpenPGP from 'openpgp';
import { MAX_SIGNATURE_BYTES } from '../manifest/index.js';
import { parseSimpleSigningPayload, type SignedClaims } from './payload.js';
import { SignatureRejection } from './rejection.js';

export interface SimpleSigningVerification {
  claims: SignedClaims;
  /** The primary key's fingerprint, upper-case hex (gpgme's form), even when a subkey signed. */
  keyFingerprint: string;
}

let openpgpModule: Promise<typeof OpenPGP> | undefined;
const loadOpenpgp = () => (openpgpModule ??= import('openpgp'));

/**
 * `keyrings`: binary or ASCII-armored OpenPGP keyrings (any number of keys each); every key in
 * them is trusted. `now` is the time signatures and keys must be valid at.
 * Every refusal is a SignatureRejection in upstream's words where upstream has them.
 */
export async function verifySimpleSigning(blob: Buffer, keyrings: readonly Buffer[], now: Date = new Date()): Promise<SimpleSigningVerification> {
  if (blob.length > MAX_SIGNATURE_BYTES) throw new SignatureRejection(`signature is larger than ${MAX_SIGNATURE_BYTES / 1024 / 1024} MiB`);
  // Binary is the format (as c/image's openpgp mechanism reads it), so text is only ever a mistake.
  if (blob.subarray(0, 64).toString('latin1').startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    throw new SignatureRejection('not signed: a cleartext-signed message is not a container signature');
  }
  const openpgp = await loadOpenpgp();
  // A decompression bomb would otherwise inflate without limit (the default is Infinity).
  const config: OpenPGP.Config = { ...openpgp.config, maxDecompressedMessageSize: MAX_SIGNATURE_BYTES };
  const keys = await readKeyrings(openpgp, keyrings, config);
  if (keys.length === 0) throw new SignatureRejection('No public keys imported');

  const message = await readMessage(openpgp, blob, config);
  const { data, signatures } = await openpgp.verify({ message, verificationKeys: keys, format: 'binary', date: now, config }).catch((err: unknown) => {
    throw new SignatureRejection(`invalid signature: ${messageOf(err)}`, { cause: err });
  });
  if (signatures.length === 0) throw new SignatureRejection('not signed');
  // gpgme's rule: one signature, so that "which signer is this?" has one answer.
  if (signatures.length > 1) throw new SignatureRejection(`Unexpected GPG signature count ${signatures.length}`);
  const signature = signatures[0]!;

  const primary = keys.find((key) => key.getKeys(signature.keyID).length > 0);
  if (primary === undefined) throw new SignatureRejection(`Key not found for key ID ${goHex(signature.keyID.toHex())} in signature`);
  // Every key in the keyrings is trusted, so the signer is trusted once found: upstream's
  // "signature by key … is not accepted" cannot arise here from an unknown key.
  const keyFingerprint = primary.getFingerprint().toUpperCase();
  await signature.verified.catch(async (err: unknown) => {
    const text = messageOf(err);
    if (/Signature is expired/.test(text)) {
      const packet = (await signature.signature).packets[0];
      const expiry = packet?.getExpirationTime();
      if (expiry instanceof Date) throw new SignatureRejection(`Signature expired on ${goTime(expiry)}`, { cause: err });
    }
    throw new SignatureRejection(`signature error: ${text}`, { cause: err });
  });
  // OpenPGP.js checks the key as it was when signing. gpgme (podman's usual mechanism) also refuses
  // a key that has since expired or been revoked (EXPKEYSIG, REVKEYSIG), and so does hoist: a
  // compromised key is revoked after the fact.
  await primary.getSigningKey(signature.keyID, now, undefined, config).catch((err: unknown) => {
    throw new SignatureRejection(`signature by key ${keyFingerprint} is not accepted: ${messageOf(err)}`, { cause: err });
  });
  return { claims: parseSimpleSigningPayload(data), keyFingerprint };
}

/** Binary first, then armored, as c/image's importKeysFromBytes does; both failing names the likelier one. */
async function readKeyrings(openpgp: typeof OpenPGP, keyrings: readonly Buffer[], config: OpenPGP.Config): Promise<OpenPGP.Key[]> {
  const keys: OpenPGP.Key[] = [];
  for (const [i, ring] of keyrings.entries()) {
    try {
      keys.push(...(await openpgp.readKeys({ binaryKeys: ring, config })));
    } catch (binaryError) {
      const text = ring.toString('utf8');
      try {
        keys.push(...(await openpgp.readKeys({ armoredKeys: text, config })));
      } catch (armorError) {
        const err = text.trimStart().startsWith('-----BEGIN PGP') ? armorError : binaryError;
        throw new SignatureRejection(`reading OpenPGP keyring ${i + 1}: ${messageOf(err)}`, { cause: err });
      }
    }
  }
  return keys;
}

const ENCRYPTION_PACKETS = [
  'publicKeyEncryptedSessionKey',
  'symEncryptedSessionKey',
  'symmetricallyEncryptedData',
  'symEncryptedIntegrityProtectedData',
  'aeadEncryptedData',
] as const;

/** Parses (and decompresses, bounded) the message; refuses an encrypted one before any key is tried. */
async function readMessage(openpgp: typeof OpenPGP, blob: Buffer, config: OpenPGP.Config): Promise<OpenPGP.Message<Uint8Array>> {
  let message: OpenPGP.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength), config });
  } catch (err) {
    const text = messageOf(err);
    if (/Maximum decompressed (message )?size exceeded/.test(text)) {
      throw new SignatureRejection(`signature payload is larger than ${MAX_SIGNATURE_BYTES / 1024 / 1024} MiB once decompressed`, { cause: err });
    }
    throw new SignatureRejection(`invalid signature: ${text}`, { cause: err });
  }
  const tags = ENCRYPTION_PACKETS.map((name) => openpgp.enums.packet[name]);
  if (message.packets.filterByTag(...tags).length > 0) throw new SignatureRejection('not signed: an encrypted message is not a container signature');
  return message;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Go's `%x` of a uint64 key ID: lower-case, no leading zeros. */
function goHex(hex: string): string {
  return hex.replace(/^0+(?=.)/, '');
}

/** Go's time.Time String() form, in UTC: `2006-01-02 15:04:05 +0000 UTC`. */
function goTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
