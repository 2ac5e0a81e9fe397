/**
 * Reads the key material a policy requirement names (keyPath, keyPaths, keyData, keyDatas and the
 * Rekor and CA variants), before any signature is looked at. Whatever is wrong with a key is a
 * configuration error naming the policy file, the JSON path and the key file: never a stack trace,
 * and never a vague "signature rejected" (containers/image#1613: a missing keyPath and a private
 * `cosign.key` given as keyPath both surfaced only as "no signature exists").
 *
 * The bytes are returned as they are; parsing them is the job of the format that uses them.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { KeySource } from '../config/policy/types.js';
import { HoistError } from '../errors.js';
import { readSmallFile } from '../io/open-regular-file.js';

/** Public keys and keyrings are a few KiB; a bigger file is something else given by mistake. */
export const MAX_KEY_BYTES = 1024 * 1024;

/** Each source's bytes, in order. Relative paths resolve against process.cwd(), as upstream's os.ReadFile does. */
export async function loadKeyMaterial(sources: readonly KeySource[]): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  for (const source of sources) keys.push(await loadOne(source));
  return keys;
}

async function loadOne(source: KeySource): Promise<Buffer> {
  const { file, path } = source.where;
  const what = source.kind === 'path' ? `${file}: ${path} ${describePath(source.path)}` : `${file}: ${path}`;
  const bytes = source.kind === 'path' ? await readKeyFile(source.path, what) : source.data;
  if (bytes.length === 0) throw new HoistError('INVALID_CONFIG', `${what}: is empty`);
  if (bytes.length > MAX_KEY_BYTES) throw tooLarge(what);
  const secret = privateKeyKind(bytes);
  if (secret !== undefined) {
    throw new HoistError('INVALID_CONFIG', `${what}: is a private key (${secret}), not a public key`, {
      hint: `${publicKeyHint(source)}; a policy needs only the public half, and a private key should never be handed to it`,
    });
  }
  return bytes;
}

/** `"/abs"`, or `"rel" (/cwd/rel)` so a relative path's surprise is visible. */
function describePath(path: string): string {
  return isAbsolute(path) ? JSON.stringify(path) : `${JSON.stringify(path)} (${resolve(path)})`;
}

const tooLarge = (what: string) => new HoistError('INVALID_CONFIG', `${what}: is larger than ${MAX_KEY_BYTES / 1024 / 1024} MiB, too large for a public key`);

/**
 * Reads at most MAX_KEY_BYTES + 1 bytes, so a huge or endless file (`/dev/zero`) costs nothing; a
 * FIFO or device is refused without waiting on it.
 */
function readKeyFile(path: string, what: string): Promise<Buffer> {
  return readSmallFile(resolve(path), MAX_KEY_BYTES, (failure, cause) => {
    switch (failure.reason) {
      case 'too-large':
        return tooLarge(what);
      case 'not-regular':
        return new HoistError('INVALID_CONFIG', `${what}: cannot be read: is a ${failure.kind}`);
      case 'missing':
        return noSuchKey(what, path, cause);
      case 'unreadable':
        if (failure.code === 'ENOTDIR') return noSuchKey(what, path, cause);
        return new HoistError(
          'INVALID_CONFIG',
          `${what}: cannot be read: ${failure.code === 'EACCES' ? 'permission denied' : failure.code === 'EISDIR' ? 'is a directory' : failure.message}`,
          { cause },
        );
    }
  });
}

function noSuchKey(what: string, path: string, cause: unknown): HoistError {
  return new HoistError('INVALID_CONFIG', `${what}: no such file`, {
    cause,
    hint: isAbsolute(path) ? undefined : 'relative key paths are resolved against the current directory, as containers/image does; use an absolute path',
  });
}

/**
 * What kind of private key `bytes` holds, or undefined. PEM labels cover PKCS#1/#8, SEC1, OpenSSH
 * and cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` / `ENCRYPTED COSIGN PRIVATE KEY`; an armored
 * OpenPGP `PRIVATE KEY BLOCK`; or a binary OpenPGP keyring whose first packet is a secret key.
 */
export function privateKeyKind(bytes: Buffer): string | undefined {
  const label = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/.exec(bytes.toString('latin1'));
  if (label !== null) return label[1];
  const tag = firstPacketTag(bytes[0]!);
  if (tag === SECRET_KEY_TAG || tag === SECRET_SUBKEY_TAG) return 'an OpenPGP secret key';
  return undefined;
}

const SECRET_KEY_TAG = 5;
const SECRET_SUBKEY_TAG = 7;

/** RFC 4880 §4.2: bit 7 set; bit 6 picks the new format (tag in bits 0–5) or the old (bits 2–5). */
function firstPacketTag(header: number): number | undefined {
  if ((header & 0x80) === 0) return undefined;
  return (header & 0x40) !== 0 ? header & 0x3f : (header >> 2) & 0x0f;
}

function publicKeyHint(source: KeySource): string {
  if (source.kind === 'path' && source.path.endsWith('.key')) {
    const pub = join(dirname(source.path), `${basename(source.path, '.key')}.pub`);
    return `use the public key file instead, e.g. ${JSON.stringify(pub)} (cosign generate-key-pair writes both)`;
  }
  return 'use the public key instead: the .pub file of a cosign key pair, or `gpg --export KEY-ID` for GnuPG';
}
