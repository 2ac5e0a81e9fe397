import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeySource } from '../../src/config/policy/types.js';
import { isHoistError } from '../../src/errors.js';
import { loadKeyMaterial, MAX_KEY_BYTES } from '../../src/trust/keys.js';
import { createGpgKey, exportSecretKey, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

let dir: string;
let gpgKey: GpgKey;
before(async () => {
  dir = await makeTempDir();
  gpgKey = await createGpgKey(join(dir, 'gpg'), { algorithm: 'ed25519' });
});
after(async () => {
  if (gpgKey !== undefined) await stopGpgAgent(gpgKey);
  await removeDir(dir);
});

const POLICY = '/etc/containers/policy.json';
const fromPath = (path: string, at = 'default[0].keyPath'): KeySource => ({ kind: 'path', path, where: { file: POLICY, path: at } });
const fromData = (data: Buffer, at = 'default[0].keyData'): KeySource => ({ kind: 'data', data, where: { file: POLICY, path: at } });

async function file(name: string, content: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Asserts an INVALID_CONFIG error with exactly `message` (and a hint matching `hint`, if given). */
async function rejectsWith(sources: KeySource[], message: string, hint?: RegExp): Promise<void> {
  await assert.rejects(loadKeyMaterial(sources), (err: unknown) => {
    assert.ok(isHoistError(err, 'INVALID_CONFIG'), String(err));
    assert.equal(err.message, message);
    if (hint !== undefined) assert.match(err.hint ?? '', hint);
    return true;
  });
}

const ecPublicPem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('loadKeyMaterial', () => {
  test('reads files and inline data, in order, byte for byte', async () => {
    const pem = ecPublicPem();
    const a = await file('a.pub', pem);
    const inline = Buffer.from('inline key bytes');
    const keys = await loadKeyMaterial([fromPath(a), fromData(inline), fromPath(gpgKey.publicKeyFile)]);
    assert.equal(keys.length, 3);
    assert.equal(keys[0]!.toString(), pem);
    assert.deepEqual(keys[1], inline);
    assert.ok(keys[2]!.length > 0);
  });

  test('GnuPG public keys, binary and armored, are public keys', async () => {
    const keys = await loadKeyMaterial([fromPath(gpgKey.publicKeyFile), fromPath(gpgKey.armoredPublicKeyFile)]);
    assert.equal(keys.length, 2);
  });

  test('a relative path resolves against the current directory', async () => {
    await mkdir(join(dir, 'cwd'));
    await writeFile(join(dir, 'cwd', 'rel.pub'), 'relative');
    const cwd = process.cwd();
    process.chdir(join(dir, 'cwd'));
    try {
      assert.equal((await loadKeyMaterial([fromPath('rel.pub')]))[0]!.toString(), 'relative');
      await rejectsWith(
        [fromPath('missing.pub')],
        `${POLICY}: default[0].keyPath "missing.pub" (${join(dir, 'cwd', 'missing.pub')}): no such file`,
        /relative key paths are resolved against the current directory/,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  test('a missing file names the policy, the JSON path and the file', async () => {
    await rejectsWith(
      [fromPath('/nonexistent/x.pub', 'transports.docker."quay.io"[0].keyPaths[1]')],
      `${POLICY}: transports.docker."quay.io"[0].keyPaths[1] "/nonexistent/x.pub": no such file`,
    );
  });

  test('a file under a non-directory is missing too', async () => {
    const plain = await file('plain', 'x');
    await rejectsWith([fromPath(join(plain, 'key.pub'))], `${POLICY}: default[0].keyPath "${join(plain, 'key.pub')}": no such file`);
  });

  test('a directory cannot be read', async () => {
    await rejectsWith([fromPath(dir)], `${POLICY}: default[0].keyPath "${dir}": cannot be read: is a directory`);
  });

  test('a FIFO is refused at once, never waited on for a writer', async () => {
    const fifo = join(dir, 'key.fifo');
    execFileSync('mkfifo', [fifo]);
    await rejectsWith([fromPath(fifo)], `${POLICY}: default[0].keyPath "${fifo}": cannot be read: is a FIFO`);
  });

  test('an empty file or empty data is refused', async () => {
    const empty = await file('empty.pub', '');
    await rejectsWith([fromPath(empty)], `${POLICY}: default[0].keyPath "${empty}": is empty`);
    await rejectsWith([fromData(Buffer.alloc(0))], `${POLICY}: default[0].keyData: is empty`);
  });

  test('more than 1 MiB is refused, whether file or data', async () => {
    const big = await file('big.pub', Buffer.alloc(MAX_KEY_BYTES + 1, 0x41));
    await rejectsWith([fromPath(big)], `${POLICY}: default[0].keyPath "${big}": is larger than 1 MiB, too large for a public key`);
    await rejectsWith([fromData(Buffer.alloc(MAX_KEY_BYTES + 1, 0x41))], `${POLICY}: default[0].keyData: is larger than 1 MiB, too large for a public key`);
    const exact = await file('exact.pub', Buffer.alloc(MAX_KEY_BYTES, 0x41));
    assert.equal((await loadKeyMaterial([fromPath(exact)]))[0]!.length, MAX_KEY_BYTES);
  });

  test('the first bad source fails, even after good ones', async () => {
    const good = await file('good.pub', ecPublicPem());
    await rejectsWith(
      [fromPath(good), fromPath('/nonexistent/second.pub', 'default[0].keyPaths[1]')],
      `${POLICY}: default[0].keyPaths[1] "/nonexistent/second.pub": no such file`,
    );
  });
});

describe('a private key where a public key belongs (containers/image#1613)', () => {
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  test("cosign's private key file, with a hint naming the .pub beside it", async () => {
    // The framing cosign generate-key-pair writes (the body is an encrypted JSON blob).
    const cosignKey = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from('{"kdf":{},"cipher":{},"ciphertext":""}').toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    const path = await file('cosign.key', cosignKey);
    await rejectsWith(
      [fromPath(path)],
      `${POLICY}: default[0].keyPath "${path}": is a private key (ENCRYPTED SIGSTORE PRIVATE KEY), not a public key`,
      new RegExp(`use the public key file instead, e\\.g\\. "${join(dir, 'cosign.pub')}"`),
    );
  });

  test("cosign's older label, inline", async () => {
    const data = Buffer.from('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n');
    await rejectsWith(
      [fromData(data)],
      `${POLICY}: default[0].keyData: is a private key (ENCRYPTED COSIGN PRIVATE KEY), not a public key`,
      /\.pub file of a cosign key pair/,
    );
  });

  const pems: [string, () => string][] = [
    ['PRIVATE KEY', () => pair().export({ type: 'pkcs8', format: 'pem' }) as string],
    ['EC PRIVATE KEY', () => pair().export({ type: 'sec1', format: 'pem' }) as string],
    ['RSA PRIVATE KEY', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
    ['ENCRYPTED PRIVATE KEY', () => pair().export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string],
  ];
  for (const [label, make] of pems) {
    test(`PEM ${label}`, async () => {
      const path = await file(`${label.replace(/ /g, '-')}.pem`, make());
      await rejectsWith([fromPath(path)], `${POLICY}: default[0].keyPath "${path}": is a private key (${label}), not a public key`);
    });
  }

  test('a PEM private key after a public one in the same file', async () => {
    const path = await file('mixed.pem', ecPublicPem() + (pair().export({ type: 'pkcs8', format: 'pem' }) as string));
    await rejectsWith([fromPath(path)], `${POLICY}: default[0].keyPath "${path}": is a private key (PRIVATE KEY), not a public key`);
  });

  test('a GnuPG secret key, armored', async () => {
    const path = await file('secret.asc', await exportSecretKey(gpgKey, true));
    await rejectsWith(
      [fromPath(path)],
      `${POLICY}: default[0].keyPath "${path}": is a private key (PGP PRIVATE KEY BLOCK), not a public key`,
      /gpg --export KEY-ID/,
    );
  });

  test('a GnuPG secret key, binary (a secret-key packet first)', async () => {
    const path = await file('secret.gpg', await exportSecretKey(gpgKey, false));
    await rejectsWith([fromPath(path)], `${POLICY}: default[0].keyPath "${path}": is a private key (an OpenPGP secret key), not a public key`);
  });
});
