import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { MAX_SIGNATURE_BYTES } from '../../src/manifest/signature.js';
import { SignatureRejection } from '../../src/trust/rejection.js';
import { verifySimpleSigning } from '../../src/trust/simple-signing.js';
import { run } from '../helpers/cli.js';
import {
  addSigningSubkey,
  createGpgKey,
  exportPublicKey,
  gpgClearsign,
  gpgEncrypt,
  gpgSign,
  gpgStore,
  simpleSigningPayload,
  stopGpgAgent,
  type GpgKey,
} from '../helpers/gpg.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const DIGEST = `sha256:${'5'.repeat(64)}`;
const REFERENCE = 'registry.example/ns/app:1';
const PAYLOAD = simpleSigningPayload(DIGEST, REFERENCE);
const DAY = 24 * 3600 * 1000;

let dir: string;
/** The trusted signer. */
let signer: GpgKey;
/** Someone else. */
let other: GpgKey;
/** A primary key that signs with a subkey. */
let withSubkey: GpgKey;
let subkeyFingerprint: string;
/** Its public key as exported before the subkey existed. */
let withoutSubkeyExport: Buffer;
/** A key made 30 days ago, so signatures can be back-dated. */
let old: GpgKey;
/** A key that expires tomorrow. */
let shortLived: GpgKey;
let keys: GpgKey[] = [];

before(async () => {
  dir = await makeTempDir();
  const now = Date.now();
  [signer, other, withSubkey, old, shortLived] = await Promise.all([
    createGpgKey(join(dir, 'signer')),
    createGpgKey(join(dir, 'other'), { algorithm: 'ed25519', userId: 'other <other@hoist.invalid>' }),
    createGpgKey(join(dir, 'subkey')),
    createGpgKey(join(dir, 'old'), { at: new Date(now - 30 * DAY) }),
    createGpgKey(join(dir, 'short'), { expires: '1d' }),
  ]);
  keys = [signer, other, withSubkey, old, shortLived];
  withoutSubkeyExport = await readFile(withSubkey.publicKeyFile);
  subkeyFingerprint = await addSigningSubkey(withSubkey);
});
after(async () => {
  for (const key of keys) await stopGpgAgent(key);
  await removeDir(dir);
});

const ring = async (key: GpgKey) => readFile(key.publicKeyFile);

async function rejects(verifying: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(verifying, (err: unknown) => {
    assert.ok(err instanceof SignatureRejection, `not a SignatureRejection: ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** gpg's key ID as Go's `%x` prints it. */
const keyIdOf = (fingerprint: string) => fingerprint.slice(-16).toLowerCase().replace(/^0+/, '');

describe('verifySimpleSigning: accepted', () => {
  test('a gpg --sign signature, binary keyring: the claims and the signer', async () => {
    const result = await verifySimpleSigning(await gpgSign(signer, PAYLOAD), [await ring(signer)]);
    assert.deepEqual(result, { claims: { dockerManifestDigest: DIGEST, dockerReference: REFERENCE }, keyFingerprint: signer.fingerprint });
    assert.match(result.keyFingerprint, /^[0-9A-F]{40}$/);
  });

  test('an ASCII-armored keyring', async () => {
    const result = await verifySimpleSigning(await gpgSign(signer, PAYLOAD), [await readFile(signer.armoredPublicKeyFile)]);
    assert.equal(result.keyFingerprint, signer.fingerprint);
  });

  test('several keys in one keyring, and several keyrings', async () => {
    const both = Buffer.concat([await ring(other), await ring(signer)]);
    assert.equal((await verifySimpleSigning(await gpgSign(signer, PAYLOAD), [both])).keyFingerprint, signer.fingerprint);
    const rings = [await readFile(other.armoredPublicKeyFile), await ring(signer)];
    assert.equal((await verifySimpleSigning(await gpgSign(other, PAYLOAD), rings)).keyFingerprint, other.fingerprint);
  });

  for (const compression of ['zip', 'zlib', 'bzip2', 'none'] as const) {
    test(`compressed with ${compression}`, async () => {
      const result = await verifySimpleSigning(await gpgSign(signer, PAYLOAD, { compression }), [await ring(signer)]);
      assert.equal(result.claims.dockerManifestDigest, DIGEST);
    });
  }

  test('an Ed25519 key', async () => {
    assert.equal((await verifySimpleSigning(await gpgSign(other, PAYLOAD), [await ring(other)])).keyFingerprint, other.fingerprint);
  });

  test("a signing subkey's signature is the primary key's", async () => {
    const blob = await gpgSign(withSubkey, PAYLOAD, { signer: subkeyFingerprint });
    const result = await verifySimpleSigning(blob, [await exportPublicKey(withSubkey, false)]);
    assert.equal(result.keyFingerprint, withSubkey.fingerprint);
    assert.notEqual(result.keyFingerprint, subkeyFingerprint);
  });

  test('a signature from 10 days ago without expiry', async () => {
    const blob = await gpgSign(old, PAYLOAD, { at: new Date(Date.now() - 10 * DAY) });
    assert.equal((await verifySimpleSigning(blob, [await ring(old)])).keyFingerprint, old.fingerprint);
  });
});

describe('verifySimpleSigning: rejected', () => {
  test('a signature by a key not in the keyrings', async () => {
    await rejects(
      verifySimpleSigning(await gpgSign(other, PAYLOAD), [await ring(signer)]),
      `Key not found for key ID ${keyIdOf(other.fingerprint)} in signature`,
    );
  });

  test('a subkey the keyring does not hold (exported before it was added)', async () => {
    const blob = await gpgSign(withSubkey, PAYLOAD, { signer: subkeyFingerprint });
    await rejects(verifySimpleSigning(blob, [withoutSubkeyExport]), `Key not found for key ID ${keyIdOf(subkeyFingerprint)} in signature`);
  });

  test('an expired signature', async () => {
    const signedAt = new Date(Date.now() - 10 * DAY);
    const blob = await gpgSign(old, PAYLOAD, { at: signedAt, expires: '1d' });
    await assert.rejects(verifySimpleSigning(blob, [await ring(old)]), (err: unknown) => {
      assert.ok(err instanceof SignatureRejection);
      const m = /^Signature expired on (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \+0000 UTC$/.exec(err.message);
      assert.ok(m, err.message);
      const expiry = new Date(`${m[1]}T${m[2]}Z`).getTime();
      assert.ok(Math.abs(expiry - (signedAt.getTime() + DAY)) < 60_000, err.message);
      return true;
    });
  });

  test('a signature not yet expired is accepted, and refused once `now` passes its expiry', async () => {
    const blob = await gpgSign(signer, PAYLOAD, { expires: '1d' });
    assert.equal((await verifySimpleSigning(blob, [await ring(signer)])).keyFingerprint, signer.fingerprint);
    await rejects(verifySimpleSigning(blob, [await ring(signer)], new Date(Date.now() + 2 * DAY)), /^Signature expired on /);
  });

  test('a key that has expired since it signed', async () => {
    const blob = await gpgSign(shortLived, PAYLOAD);
    assert.equal((await verifySimpleSigning(blob, [await ring(shortLived)])).keyFingerprint, shortLived.fingerprint);
    await rejects(
      verifySimpleSigning(blob, [await ring(shortLived)], new Date(Date.now() + 3 * DAY)),
      `signature by key ${shortLived.fingerprint} is not accepted: Primary key is expired`,
    );
  });

  test('a corrupt signature (a flipped byte in the signature packet)', async () => {
    const blob = Buffer.from(await gpgSign(signer, PAYLOAD, { compression: 'none' }));
    blob[blob.length - 1]! ^= 0x01;
    await rejects(verifySimpleSigning(blob, [await ring(signer)]), 'signature error: Signature verification failed');
  });

  test('a modified payload (a flipped byte in the literal data)', async () => {
    const blob = Buffer.from(await gpgSign(signer, PAYLOAD, { compression: 'none' }));
    const at = blob.indexOf(Buffer.from(REFERENCE));
    blob[at]! ^= 0x01;
    await rejects(verifySimpleSigning(blob, [await ring(signer)]), 'signature error: Signed digest did not match');
  });

  test('the signature is checked before the JSON is read', async () => {
    const notJson = Buffer.from('{"critical": not json');
    const blob = Buffer.from(await gpgSign(signer, notJson, { compression: 'none' }));
    await assert.rejects(
      verifySimpleSigning(blob, [await ring(signer)]),
      (err: unknown) => err instanceof SignatureRejection && !/^signature error/.test(err.message),
    );
    blob[blob.length - 1]! ^= 0x01;
    await rejects(verifySimpleSigning(blob, [await ring(signer)]), /^signature error: /);
  });

  test('a cleartext-signed message', async () => {
    await rejects(
      verifySimpleSigning(await gpgClearsign(signer, PAYLOAD), [await ring(signer)]),
      'not signed: a cleartext-signed message is not a container signature',
    );
  });

  test('an unsigned literal message (gpg --store)', async () => {
    await rejects(verifySimpleSigning(await gpgStore(signer, PAYLOAD), [await ring(signer)]), 'not signed');
  });

  test('an encrypted message, signed inside or not', async () => {
    const message = 'not signed: an encrypted message is not a container signature';
    await rejects(verifySimpleSigning(await gpgEncrypt(signer, PAYLOAD), [await ring(signer)]), message);
    await rejects(verifySimpleSigning(await gpgEncrypt(signer, PAYLOAD, { sign: true }), [await ring(signer)]), message);
  });

  test('SHA-1 signatures (OpenPGP.js refuses them, and so does hoist)', async () => {
    await rejects(
      verifySimpleSigning(await gpgSign(signer, PAYLOAD, { digest: 'SHA1' }), [await ring(signer)]),
      'signature error: Insecure message hash algorithm: SHA1',
    );
  });

  test('a validly signed payload with an unknown critical field', async () => {
    const doc = JSON.parse(PAYLOAD.toString()) as { critical: Record<string, unknown> };
    doc.critical.extra = 'x';
    await rejects(verifySimpleSigning(await gpgSign(signer, JSON.stringify(doc)), [await ring(signer)]), 'Unknown key "extra"');
  });

  test('a validly signed payload with duplicate keys', async () => {
    const text = PAYLOAD.toString().replace('"docker-reference":', `"docker-reference":"evil.example/x:1","docker-reference":`);
    await rejects(verifySimpleSigning(await gpgSign(signer, text), [await ring(signer)]), 'Duplicate key "docker-reference"');
  });

  test('a validly signed payload with a non-integer timestamp', async () => {
    const text = simpleSigningPayload(DIGEST, REFERENCE, { timestamp: 1700000000.5 });
    await rejects(verifySimpleSigning(await gpgSign(signer, text), [await ring(signer)]), 'Field optional.timestamp is not an integer');
  });

  test('a validly signed cosign payload is not a simple signature', async () => {
    const text = PAYLOAD.toString().replace('atomic container signature', 'cosign container image signature');
    await rejects(verifySimpleSigning(await gpgSign(signer, text), [await ring(signer)]), 'Unrecognized signature type cosign container image signature');
  });

  test('no keys at all', async () => {
    await rejects(verifySimpleSigning(await gpgSign(signer, PAYLOAD), []), 'No public keys imported');
  });

  test('a keyring that is not one', async () => {
    await rejects(verifySimpleSigning(await gpgSign(signer, PAYLOAD), [await ring(signer), Buffer.from('not a key')]), /^reading OpenPGP keyring 2: /);
    await rejects(
      verifySimpleSigning(await gpgSign(signer, PAYLOAD), [Buffer.from('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n')]),
      /^reading OpenPGP keyring 1: /,
    );
  });

  test('garbage instead of a message', async () => {
    await rejects(verifySimpleSigning(Buffer.from([0xa3, 0x01, 0xff, 0xff, 0xff]), [await ring(signer)]), /^invalid signature: /);
  });

  test('a blob larger than MAX_SIGNATURE_BYTES', async () => {
    await rejects(verifySimpleSigning(Buffer.alloc(MAX_SIGNATURE_BYTES + 1, 0xa3), [await ring(signer)]), 'signature is larger than 4 MiB');
  });

  for (const compression of ['zlib', 'bzip2'] as const) {
    test(`a decompression bomb (${compression}) stops at MAX_SIGNATURE_BYTES`, async () => {
      const bomb = Buffer.alloc(MAX_SIGNATURE_BYTES + 1024, 0x20);
      const blob = await gpgSign(signer, bomb, { compression });
      assert.ok(blob.length < 64 * 1024, `the bomb should be small: ${blob.length}`);
      await rejects(verifySimpleSigning(blob, [await ring(signer)]), 'signature payload is larger than 4 MiB once decompressed');
    });
  }
});

describe('openpgp is loaded lazily', () => {
  test('importing the module does not load openpgp; the first verification does', async () => {
    // A resolve hook that reports every import of "openpgp" on stderr.
    const hook = join(dir, 'report-openpgp.mjs');
    await writeFile(hook, `export async function resolve(s, c, next) { if (s === 'openpgp') process.stderr.write('openpgp loaded\\n'); return next(s, c); }\n`);
    const module = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'trust', 'simple-signing.js')).href;
    const script = [
      `const m = await import(${JSON.stringify(module)});`,
      `process.stderr.write('imported\\n');`,
      `await m.verifySimpleSigning(Buffer.from([0xa3]), []).catch(() => {});`,
      `process.stderr.write('verified\\n');`,
    ].join('\n');
    const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});`;
    const result = await run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stderr.trim().split('\n'), ['imported', 'openpgp loaded', 'verified']);
  });
});
