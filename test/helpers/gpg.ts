import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunResult } from './cli.js';

/**
 * Real GnuPG keys and signatures for tests, made by the `gpg` binary the way skopeo's gpgme
 * signs (a compressed OpenPGP signed message over the payload). A missing gpg fails the calling
 * test with a clear message: signature tests must never pass by not running.
 *
 * Every homedir starts a gpg-agent; call stopGpgAgent(key) when done with it.
 */

/** A signer: its homedir (holding the secret key) and its exported public key. */
export interface GpgKey {
  homedir: string;
  /** The primary key's fingerprint, upper-case hex (what policies and `--sign-by` use). */
  fingerprint: string;
  /** `gpg --export` (binary), for a policy's `keyPath`. */
  publicKeyFile: string;
  /** `gpg --armor --export`. */
  armoredPublicKeyFile: string;
}

export interface CreateGpgKeyOptions {
  /** Default `hoist test <test@hoist.invalid>`. */
  userId?: string;
  /** A `--quick-gen-key` algorithm: `rsa2048` (default), `ed25519`, … */
  algorithm?: string;
  /** `--quick-gen-key` expiry: `never` (default), `1d`, … */
  expires?: string;
  /** Create the key as if the clock said this (so signatures can be back-dated after it). */
  at?: Date;
}

/** Makes `dir/gnupg` with one sign-only primary key and exports its public half next to it. */
export async function createGpgKey(dir: string, options: CreateGpgKeyOptions = {}): Promise<GpgKey> {
  const homedir = join(dir, 'gnupg');
  await mkdir(homedir, { recursive: true, mode: 0o700 });
  await gpg(homedir, [
    ...fakedTime(options.at),
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--quick-gen-key',
    options.userId ?? 'hoist test <test@hoist.invalid>',
    options.algorithm ?? 'rsa2048',
    'sign',
    options.expires ?? 'never',
  ]);
  const fingerprint = fingerprints(await gpg(homedir, ['--with-colons', '--list-keys']))[0]!;
  const publicKeyFile = join(dir, 'public-key.gpg');
  const armoredPublicKeyFile = join(dir, 'public-key.asc');
  await writeFile(publicKeyFile, await exportPublicKey({ homedir, fingerprint }, false));
  await writeFile(armoredPublicKeyFile, await exportPublicKey({ homedir, fingerprint }, true));
  return { homedir, fingerprint, publicKeyFile, armoredPublicKeyFile };
}

/** Adds a signing subkey (`--quick-add-key`) and returns its fingerprint. Export again afterwards. */
export async function addSigningSubkey(key: Pick<GpgKey, 'homedir' | 'fingerprint'>, algorithm = 'rsa2048'): Promise<string> {
  const before = fingerprints(await gpg(key.homedir, ['--with-colons', '--list-keys', key.fingerprint]));
  await gpg(key.homedir, ['--pinentry-mode', 'loopback', '--passphrase', '', '--quick-add-key', key.fingerprint, algorithm, 'sign', 'never']);
  const after = fingerprints(await gpg(key.homedir, ['--with-colons', '--list-keys', key.fingerprint]));
  return after.find((f) => !before.includes(f))!;
}

/** The public key(s) as `gpg --export` writes them, binary or ASCII-armored. */
export async function exportPublicKey(key: Pick<GpgKey, 'homedir' | 'fingerprint'>, armor: boolean): Promise<Buffer> {
  return gpgOutput(key.homedir, [...(armor ? ['--armor'] : []), '--export', key.fingerprint]);
}

/** The secret key as `gpg --export-secret-keys` writes it: what must never be given as a keyPath. */
export async function exportSecretKey(key: Pick<GpgKey, 'homedir' | 'fingerprint'>, armor: boolean): Promise<Buffer> {
  return gpgOutput(key.homedir, ['--pinentry-mode', 'loopback', '--passphrase', '', ...(armor ? ['--armor'] : []), '--export-secret-keys', key.fingerprint]);
}

export interface GpgSignOptions {
  /** Key to sign with: the primary key by default; a subkey fingerprint signs with that subkey. */
  signer?: string;
  /** `--compress-algo`: gpg's default (ZIP, as gpgme gets) unless given. */
  compression?: 'zip' | 'zlib' | 'bzip2' | 'none';
  /** `--digest-algo`, e.g. `SHA1`. */
  digest?: string;
  /** `--default-sig-expire`, e.g. `1d`. */
  expires?: string;
  /** Sign as if the clock said this. */
  at?: Date;
}

/** `gpg --sign`: an OpenPGP signed message embedding `payload`, as skopeo writes signatures. */
export async function gpgSign(key: GpgKey, payload: Buffer | string, options: GpgSignOptions = {}): Promise<Buffer> {
  const signer = options.signer ?? key.fingerprint;
  return withInput(key, payload, (input) => [
    ...fakedTime(options.at),
    ...(options.compression !== undefined ? ['--compress-algo', options.compression] : []),
    ...(options.digest !== undefined ? ['--digest-algo', options.digest] : []),
    ...(options.expires !== undefined ? ['--default-sig-expire', options.expires] : []),
    // `!` makes gpg use exactly this (sub)key instead of picking one.
    '--local-user',
    `${signer}!`,
    '--sign',
    input,
  ]);
}

/** `gpg --clearsign`: a cleartext-signed message (not a container signature). */
export async function gpgClearsign(key: GpgKey, payload: Buffer | string): Promise<Buffer> {
  return withInput(key, payload, (input) => ['--local-user', `${key.fingerprint}!`, '--clearsign', input]);
}

/** `gpg --store`: an unsigned literal message (compressed, as gpg writes it). */
export async function gpgStore(key: GpgKey, payload: Buffer | string): Promise<Buffer> {
  return withInput(key, payload, (input) => ['--store', input]);
}

/** `gpg --symmetric` (optionally `--sign` too): an encrypted message. */
export async function gpgEncrypt(key: GpgKey, payload: Buffer | string, options: { sign?: boolean } = {}): Promise<Buffer> {
  return withInput(key, payload, (input) => [
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    'hoist-test',
    ...(options.sign === true ? ['--local-user', `${key.fingerprint}!`, '--sign'] : []),
    '--symmetric',
    input,
  ]);
}

/** Stops the homedir's gpg-agent, so a test leaves no process behind. */
export async function stopGpgAgent(key: Pick<GpgKey, 'homedir'>): Promise<void> {
  await run('gpgconf', ['--homedir', key.homedir, '--kill', 'gpg-agent']).catch(() => undefined);
}

/** A simple-signing payload as skopeo writes it (containers-signature(5)). */
export function simpleSigningPayload(
  dockerManifestDigest: string,
  dockerReference: string,
  optional: Record<string, unknown> = { creator: 'hoist test', timestamp: 1700000000 },
): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': dockerManifestDigest },
        type: 'atomic container signature',
      },
      optional,
    }),
  );
}

let counter = 0;

/** Writes `payload` into the homedir's parent, runs gpg on it with `--output`, returns the output. */
async function withInput(key: GpgKey, payload: Buffer | string, args: (input: string) => string[]): Promise<Buffer> {
  const input = join(key.homedir, '..', `gpg-input-${process.pid}-${++counter}`);
  await writeFile(input, payload);
  return gpgOutput(key.homedir, args(input));
}

async function gpgOutput(homedir: string, args: string[]): Promise<Buffer> {
  const output = join(homedir, '..', `gpg-output-${process.pid}-${++counter}`);
  await gpg(homedir, ['--output', output, ...args]);
  return readFile(output);
}

/** gpg's `--faked-system-time` takes seconds since the epoch. */
function fakedTime(at: Date | undefined): string[] {
  return at === undefined ? [] : ['--faked-system-time', String(Math.floor(at.getTime() / 1000))];
}

/** `fpr` records of a `--with-colons` listing, in order: primary first, then its subkeys. */
function fingerprints(listing: RunResult): string[] {
  return [...listing.stdout.matchAll(/^fpr:+([0-9A-F]{40}):/gm)].map((m) => m[1]!);
}

async function gpg(homedir: string, args: string[]): Promise<RunResult> {
  let result: RunResult;
  try {
    result = await run('gpg', ['--batch', '--no-tty', '--quiet', '--homedir', homedir, ...args]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('gpg is not installed: the signature tests need GnuPG (apt-get install gnupg)');
    }
    throw err;
  }
  if (result.status !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}
