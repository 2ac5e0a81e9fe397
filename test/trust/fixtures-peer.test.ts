import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runSkopeo } from '../helpers/cli.js';
import { createGpgKey, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildImage, buildIndex, type FixtureImage, type FixtureIndex } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import {
  COSIGN_SIGNATURE_ANNOTATION,
  COSIGN_SIGNATURE_LAYER,
  makeCosignKey,
  opensslVerifies,
  serveDirectory,
  signWithSkopeo,
  skopeo,
  writeCosignAttachment,
  writeRegistriesD,
  type CosignKey,
  type CosignSignatureSpec,
  type LookasideServer,
  type SignWithSkopeoOptions,
  type SkopeoSignedImage,
} from '../helpers/signed-images.js';
import { isolatedEnv, makeTempDir, removeDir } from '../helpers/tmp.js';

// The signed fixtures are only worth something if the peers accept them: skopeo itself verifies
// every one here, under a policy.json and registries.d like a user would write.

const single = buildImage({ layers: [{ 'etc/signed': 'signed by skopeo\n' }] });
const other = buildImage({ layers: [{ 'etc/unsigned': 'nobody signed this\n' }] });
const amd64 = buildImage({ architecture: 'amd64', layers: [{ 'etc/arch': 'amd64\n' }] });
const arm64 = buildImage({ architecture: 'arm64', variant: 'v8', layers: [{ 'etc/arch': 'arm64\n' }] });
const multi = buildIndex([amd64, arm64]);
const cosigned = buildImage({ layers: [{ 'etc/cosign': 'signed the cosign way\n' }] });

let dir: string;
let env: NodeJS.ProcessEnv;
let registry: RegistryHandle;
let signer: GpgKey;
let lookaside: string;
let signed: SkopeoSignedImage;
let elsewhere: SkopeoSignedImage;
let multiAll: SkopeoSignedImage;
let multiOne: SkopeoSignedImage;
let cosignKey: CosignKey;
let wrongKey: CosignKey;
let rdFile: string;
let rdSigstore: string;
let serial = 0;
const fresh = async () => {
  const path = join(dir, `w${++serial}`);
  await mkdir(path);
  return path;
};

before(async () => {
  dir = await makeTempDir();
  env = await isolatedEnv(join(dir, 'env'));
  registry = await startRegistry();
  signer = await createGpgKey(join(dir, 'gpg'));
  lookaside = join(dir, 'lookaside');
  rdFile = await writeRegistriesD(join(dir, 'rd-file'), { [registry.host]: { lookaside: `file://${lookaside}` } });
  rdSigstore = await writeRegistriesD(join(dir, 'rd-sigstore'), { [registry.host]: { 'use-sigstore-attachments': true } });
  [cosignKey, wrongKey] = await Promise.all([makeCosignKey(join(dir, 'cosign.pub')), makeCosignKey(join(dir, 'wrong.pub'))]);
  const sign = async (repository: string, image: FixtureImage | FixtureIndex, extra: Partial<SignWithSkopeoOptions> = {}) =>
    signWithSkopeo({ registry, repository, tag: '1', image, signer, lookaside, work: await fresh(), ...extra });
  const cosign = async (repository: string, specs: CosignSignatureSpec[]) => {
    await pushImage(registry, repository, cosigned, '1');
    if (specs.length > 0) await writeCosignAttachment(registry, repository, cosigned.manifest.digest, specs);
  };
  // Each skopeo signing takes half a second (gpg-agent included): run them side by side.
  [signed, elsewhere, multiAll, multiOne] = await Promise.all([
    sign('sig/signed', single),
    sign('sig/elsewhere', single, { signIdentity: `${registry.host}/sig/another:1` }),
    sign('sig/multi-all', multi),
    sign('sig/multi-one', multi, { sign: [arm64.manifest.digest] }),
    pushImage(registry, 'sig/unsigned', other, '1'),
    cosign('cosign/signed', [{ key: cosignKey }]),
    cosign('cosign/several', [{ key: wrongKey }, { key: cosignKey }]),
    cosign('cosign/tagged-identity', [{ key: cosignKey, identity: `${registry.host}/cosign/tagged-identity:1` }]),
    cosign('cosign/other-digest', [{ key: cosignKey, manifestDigest: other.manifest.digest }]),
    cosign('cosign/unsigned', []),
  ]);
});
after(async () => {
  await registry?.stop();
  if (signer !== undefined) await stopGpgAgent(signer);
  if (dir !== undefined) await removeDir(dir);
});

type Requirement = Record<string, unknown>;

/** A policy.json that accepts anything except this registry, where `requirement` applies. */
async function policy(requirement: Requirement): Promise<string> {
  const file = join(await fresh(), 'policy.json');
  await writeFile(file, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [registry.host]: [requirement] } } }));
  return file;
}

const signedBy = (keyPath = signer.publicKeyFile): Requirement => ({ type: 'signedBy', keyType: 'GPGKeys', keyPath });
// matchRepository: cosign's repository-only identity never passes the default
// matchRepoDigestOrExact for a tagged reference (c/image signature/policy_reference_match.go).
const sigstoreSigned = (keyPath: string): Requirement => ({ type: 'sigstoreSigned', keyPath, signedIdentity: { type: 'matchRepository' } });

/**
 * `skopeo copy` out of the registry under a policy, the way a user verifies: the signatures are
 * not copied into oci: (which cannot store them), only checked. Returns skopeo's result.
 */
async function skopeoPull(policyFile: string, registriesD: string, reference: string, flags: string[] = []) {
  const out = join(await fresh(), 'out');
  return skopeo(
    [
      '--policy',
      policyFile,
      '--registries.d',
      registriesD,
      ...flags,
      'copy',
      '--quiet',
      '--remove-signatures',
      '--src-tls-verify=false',
      `docker://${reference}`,
      `oci:${out}`,
    ],
    env,
  );
}

function assertAccepted(result: { status: number | null; stderr: string }): void {
  assert.equal(result.status, 0, `skopeo rejected the image: ${result.stderr}`);
}

function assertRejected(result: { status: number | null; stderr: string }, reason: string): void {
  assert.equal(result.status, 1, `skopeo accepted the image: ${result.stderr}`);
  assert.match(result.stderr, /level=fatal msg="(.*)"/);
  assert.equal(/level=fatal msg="(.*)"/.exec(result.stderr)![1], reason);
}

describe('simple signing by skopeo copy --sign-by, verified by skopeo', { concurrency: true }, () => {
  test('the signature lands in the lookaside for the pushed digest, and nowhere else', () => {
    assert.equal(signed.digest, single.manifest.digest);
    assert.deepEqual(signed.signedDigests, [single.manifest.digest]);
    assert.equal(signed.reference, `${registry.host}/sig/signed:1`);
  });

  test('signedBy accepts the signed image from a file:// lookaside', async () => {
    assertAccepted(await skopeoPull(await policy(signedBy()), rdFile, signed.reference));
  });

  test('the armored public key is accepted as keyPath too', async () => {
    assertAccepted(await skopeoPull(await policy(signedBy(signer.armoredPublicKeyFile)), rdFile, signed.reference));
  });

  test('signedBy rejects an unsigned image', async () => {
    assertRejected(
      await skopeoPull(await policy(signedBy()), rdFile, `${registry.host}/sig/unsigned:1`),
      'Source image rejected: A signature was required, but no signature exists',
    );
  });

  test('a signature for another identity is rejected', async () => {
    assert.deepEqual(elsewhere.signedDigests, [single.manifest.digest]);
    assertRejected(
      await skopeoPull(await policy(signedBy()), rdFile, elsewhere.reference),
      `Source image rejected: Signature for identity ${registry.host}/sig/another:1 is not accepted`,
    );
  });

  // One server whose request log and forced status the tests below read and set: one at a time.
  describe('over HTTP', { concurrency: false }, () => {
    let server: LookasideServer;
    let registriesD: string;
    before(async () => {
      server = await serveDirectory(lookaside);
      registriesD = await writeRegistriesD(join(dir, 'rd-http'), { [registry.host]: { lookaside: server.base } });
    });
    after(() => server?.close());

    test('signedBy accepts the signed image; skopeo asked for signature-1 and signature-2', async () => {
      server.requests.length = 0;
      assertAccepted(await skopeoPull(await policy(signedBy()), registriesD, signed.reference));
      const path = `/sig/signed@${single.manifest.digest.replace(':', '=')}`;
      assert.deepEqual(server.requests, [`${path}/signature-1`, `${path}/signature-2`]);
    });

    test('a lookaside answering 500 fails the pull', async () => {
      server.forceStatus(500);
      try {
        const result = await skopeoPull(await policy(signedBy()), registriesD, signed.reference);
        assert.equal(result.status, 1);
        assert.match(
          result.stderr,
          /reading signature from http:\/\/127\.0\.0\.1:\d+\/sig\/signed@sha256=[0-9a-f]{64}\/signature-1: status 500 \(Internal Server Error\)/,
        );
      } finally {
        server.forceStatus(undefined);
      }
    });
  });

  describe('multi-platform', { concurrency: true }, () => {
    test('copy --all --sign-by signs the index and every instance', async () => {
      assert.deepEqual(multiAll.signedDigests.sort(), [multi.index.digest, amd64.manifest.digest, arm64.manifest.digest].sort());
      for (const arch of ['amd64', 'arm64']) {
        assertAccepted(await skopeoPull(await policy(signedBy()), rdFile, multiAll.reference, ['--override-arch', arch]));
      }
    });

    test('only the chosen instance needs a signature; the index needs none', async () => {
      assert.deepEqual(multiOne.signedDigests, [arm64.manifest.digest]);
      assertAccepted(await skopeoPull(await policy(signedBy()), rdFile, multiOne.reference, ['--override-arch', 'arm64', '--override-variant', 'v8']));
      assertRejected(
        await skopeoPull(await policy(signedBy()), rdFile, multiOne.reference, ['--override-arch', 'amd64']),
        'copying system image from manifest list: Source image rejected: A signature was required, but no signature exists',
      );
    });
  });
});

describe('cosign attachments', { concurrency: true }, () => {
  const ref = (repository: string) => `${registry.host}/${repository}:1`;
  const sigTag = (repository: string) => `${registry.host}/${repository}:${cosigned.manifest.digest.replace(':', '-')}.sig`;
  const keyPolicy = () => policy(sigstoreSigned(cosignKey.publicKeyFile));
  // Debian builds c/image with sigstore verification replaced by this error (its patch to
  // signature/policy_eval_sigstore.go isSignatureAccepted, seen in golang-github-containers-image-dev
  // 5.23.1-4). Reaching it proves skopeo found the attachment by its tag, accepted its manifest
  // type, fetched every layer by digest and counted each simplesigning layer as a signature. An
  // upstream skopeo would verify instead, and these assertions would then have to say "accepted".
  const DEBIAN = 'Debian-local change: sigstore disabled';

  test("skopeo finds the attachment's signature, and rejects it only because Debian compiled the verifier out", async () => {
    assertRejected(await skopeoPull(await keyPolicy(), rdSigstore, ref('cosign/signed')), `Source image rejected: ${DEBIAN}`);
    assertRejected(
      await skopeoPull(await keyPolicy(), rdSigstore, ref('cosign/unsigned')),
      'Source image rejected: A signature was required, but no signature exists',
    );
    // Attachments are read only where registries.d enables them.
    assertRejected(
      await skopeoPull(await keyPolicy(), rdFile, ref('cosign/signed')),
      'Source image rejected: A signature was required, but no signature exists',
    );
  });

  test('each layer of an attachment is one signature to skopeo', async () => {
    assertRejected(
      await skopeoPull(await keyPolicy(), rdSigstore, ref('cosign/several')),
      `Source image rejected: None of the signatures were accepted, reasons: ${DEBIAN}; ${DEBIAN}`,
    );
  });

  // The cryptography skopeo cannot check here is checked by another peer, OpenSSL's CLI, on the
  // attachment as skopeo copies it out of the registry: each signature verifies under its own
  // key and under no other.
  test('openssl verifies each signature over its layer blob with the signing key only', async () => {
    const out = join(await fresh(), 'attachment');
    await runSkopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${sigTag('cosign/several')}`, `dir:${out}`]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      mediaType: string;
      layers: { mediaType: string; digest: string; annotations: Record<string, string> }[];
    };
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(
      manifest.layers.map((l) => l.mediaType),
      [COSIGN_SIGNATURE_LAYER, COSIGN_SIGNATURE_LAYER],
    );
    const verdicts: boolean[][] = [];
    for (const [n, layer] of manifest.layers.entries()) {
      const signature = join(out, `sig-${n}`);
      await writeFile(signature, Buffer.from(layer.annotations[COSIGN_SIGNATURE_ANNOTATION]!, 'base64'));
      verdicts.push(await Promise.all([wrongKey, cosignKey].map((key) => opensslVerifies(key.publicKeyFile, signature, join(out, layer.digest.slice(7))))));
    }
    // Layer 1 was signed by wrongKey, layer 2 by cosignKey.
    assert.deepEqual(verdicts, [
      [true, false],
      [false, true],
    ]);
  });

  test('the payload names the repository without tag and the signed digest, unless a negative case says otherwise', async () => {
    const payloadOf = async (repository: string) => {
      const out = join(await fresh(), 'attachment');
      await runSkopeo(['copy', '--quiet', '--src-tls-verify=false', `docker://${sigTag(repository)}`, `dir:${out}`]);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      return JSON.parse(await readFile(join(out, manifest.layers[0]!.digest.slice(7)), 'utf8')) as unknown;
    };
    const payload = (identity: string, digest: string) => ({
      critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    });
    assert.deepEqual(await payloadOf('cosign/signed'), payload(`${registry.host}/cosign/signed`, cosigned.manifest.digest));
    assert.deepEqual(await payloadOf('cosign/tagged-identity'), payload(`${registry.host}/cosign/tagged-identity:1`, cosigned.manifest.digest));
    assert.deepEqual(await payloadOf('cosign/other-digest'), payload(`${registry.host}/cosign/other-digest`, other.manifest.digest));
  });
});
