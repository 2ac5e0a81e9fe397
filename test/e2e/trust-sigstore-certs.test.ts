import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../src/store/index.js';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { writeCosignAttachment, writeRegistriesD } from '../helpers/signed-images.js';
import { storeSnapshot } from '../helpers/tmp.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';
import { bundle, CA_EXTENSIONS, issue, issuerV2, type TestCertificate } from '../helpers/certificates.js';
import { rekorBundle, rekorLog, type RekorLog } from '../helpers/keyless.js';

// `hoist pull` of an image signed the keyless way, from a real registry: the cosign attachment's
// signature layer carries a Fulcio-style leaf (openssl-made, ten minutes long, expired since 2020),
// its chain, and a Rekor SET saying when the signature was logged.

const ISSUER = 'https://issuer.example';
const EMAIL = 'signer@example.com';
const image = buildImage({ layers: [{ 'etc/keyless': 'signed with a short-lived certificate\n' }] });

let sandbox: Sandbox;
let registry: RegistryHandle;
let conf: string;
let registriesD: string;
let root: TestCertificate;
let log: RekorLog;
let rekorFile: string;
let reference: string;
let serial = 0;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  const caLife = { notBefore: new Date('2019-01-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z') };
  root = issue({ subject: '/O=Test/CN=Test Fulcio Root', extensions: CA_EXTENSIONS, ...caLife });
  const intermediate = issue({ subject: '/O=Test/CN=Test Fulcio Intermediate', issuer: root, extensions: CA_EXTENSIONS, ...caLife });
  const leaf = issue({
    subject: '/',
    issuer: intermediate,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2020-01-01T00:10:00Z'),
    extensions: ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=codeSigning', `subjectAltName=critical,email:${EMAIL}`, issuerV2(ISSUER)],
  });
  log = rekorLog();
  rekorFile = join(sandbox.dir, 'rekor.pub');
  await writeFile(rekorFile, log.publicPem);
  const leafKeyFile = join(sandbox.dir, 'leaf.pub');
  const publicKeyPem = createPublicKey(leaf.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(leafKeyFile, publicKeyPem);

  await pushImage(registry, 'keyless/app', image, '1');
  await writeCosignAttachment(registry, 'keyless/app', image.manifest.digest, [
    {
      key: { privateKey: leaf.privateKey, publicKeyPem, publicKeyFile: leafKeyFile },
      annotations: ({ payload, signature }) => ({
        'dev.sigstore.cosign/certificate': leaf.pem,
        'dev.sigstore.cosign/chain': bundle(intermediate, root),
        'dev.sigstore.cosign/bundle': rekorBundle({
          log,
          certificatePem: leaf.pem,
          base64Signature: signature,
          payload,
          integratedTime: Date.parse('2020-01-01T00:05:00Z') / 1000,
        }),
      }),
    },
  ]);
  reference = `${registry.host}/keyless/app:1`;
  conf = await sandbox.conf('registries.conf', insecure(registry.host));
  registriesD = await writeRegistriesD(join(sandbox.dir, 'registries.d'), { [registry.host]: { 'use-sigstore-attachments': true } });
});
after(async () => {
  await registry?.stop();
  await sandbox?.remove();
});

/** A policy that wants a Fulcio signature by EMAIL for this registry; cosign signs the repository only, hence matchRepository. */
async function fulcioPolicy(oidcIssuer: string): Promise<string> {
  const file = join(sandbox.dir, `policy-${++serial}.json`);
  const requirement = {
    type: 'sigstoreSigned',
    fulcio: { caPath: root.file, oidcIssuer, subjectEmail: EMAIL },
    rekorPublicKeyPath: rekorFile,
    signedIdentity: { type: 'matchRepository' },
  };
  await writeFile(file, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [registry.host]: [requirement] } } }));
  return file;
}

function hoist(storeRoot: string, command: 'pull' | 'verify', policy: string): Promise<RunResult> {
  const pullFlags =
    command === 'pull' ? ['-q', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0', '--registries.d', registriesD] : [];
  return runHoist(['--root', storeRoot, command, ...pullFlags, '--signature-policy', policy, reference], { env: sandbox.cliEnv });
}

describe('hoist pull under sigstoreSigned with fulcio', () => {
  test('the keyless signature is accepted from the registry, and again by hoist verify from the store', async () => {
    const storeRoot = sandbox.root();
    const policy = await fulcioPolicy(ISSUER);
    const pulled = await hoist(storeRoot, 'pull', policy);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.equal(pulled.stdout.trim(), image.config.digest.slice(7));
    const verified = await hoist(storeRoot, 'verify', policy);
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stdout, `${reference}: accepted by transports.docker."${registry.host}" (1 signature verified)\n`);
  });

  test('under another oidcIssuer it is refused: one Error line, exit 125, the store as it was', async () => {
    const storeRoot = sandbox.root();
    await Store.open(storeRoot);
    const before = await storeSnapshot(storeRoot);
    const refused = await hoist(storeRoot, 'pull', await fulcioPolicy('https://accounts.example'));
    assert.equal(refused.status, 125, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.ok(!refused.stderr.includes('    at '), 'no stack trace');
    assert.equal(
      refused.stderr.split('\n').find((l) => l.startsWith('Error: ')),
      `Error: Source image rejected: Unexpected Fulcio OIDC issuer "${ISSUER}"`,
    );
    assert.deepEqual(await storeSnapshot(storeRoot), before, 'a refused image leaves the store as it was');
  });

  test('hoist trust show no longer calls fulcio unsupported', async () => {
    const shown = await runHoist(
      [
        'trust',
        'show',
        '--format',
        'json',
        '--signature-policy',
        await fulcioPolicy(ISSUER),
        '--registries.d',
        registriesD,
        '--registries-conf',
        conf,
        reference,
      ],
      { env: sandbox.cliEnv },
    );
    assert.equal(shown.status, 0, shown.stderr);
    const explained = JSON.parse(shown.stdout) as { images: { requirements: { type: string; trust?: string }[]; problems: string[] }[] };
    assert.deepEqual(
      explained.images[0]!.requirements.map((r) => [r.type, r.trust]),
      [['sigstoreSigned', 'fulcio']],
    );
    assert.deepEqual(explained.images[0]!.problems, []);
  });
});
