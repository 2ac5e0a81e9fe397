import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { createGpgKey, gpgSign, simpleSigningPayload, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildImage, buildIndex, writeDirImage, writeOciLayout } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import {
  lookasidePath,
  makeCosignKey,
  serveDirectory,
  signWithSkopeo,
  writeCosignAttachment,
  writeRegistriesD,
  type CosignKey,
  type LookasideServer,
  type SkopeoSignedImage,
} from '../helpers/signed-images.js';
import { storeSnapshot } from '../helpers/tmp.js';
import { directoryEntries, dockerArchive } from '../helpers/archives.js';
import { makeTar } from '../helpers/tar.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { Store } from '../../src/store/index.js';
import { pull } from '../../src/engine/index.js';
import { isHoistError } from '../../src/errors.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// `hoist pull` under containers-policy.json, with signatures made by the peers' own tools: skopeo
// `copy --sign-by` with a GnuPG key into a lookaside, and cosign-format attachments in the registry.

const signedImage = buildImage({ layers: [{ 'etc/signed': 'signed by skopeo\n' }] });
const unsigned = buildImage({ layers: [{ 'etc/unsigned': 'nobody signed this\n' }] });
const elsewhereImage = buildImage({ layers: [{ 'etc/other': 'signed for another name\n' }] });
const mirrored = buildImage({ layers: [{ 'etc/mirror': 'served by a mirror\n' }] });
const cosigned = buildImage({ layers: [{ 'etc/cosign': 'signed the cosign way\n' }] });
const amd64 = buildImage({ architecture: 'amd64', layers: [{ 'etc/arch': 'amd64\n' }] });
const arm64 = buildImage({ architecture: 'arm64', variant: 'v8', layers: [{ 'etc/arch': 'arm64\n' }] });
const multi = buildIndex([amd64, arm64]);

let sandbox: Sandbox;
let registry: RegistryHandle;
/** A second registry, so that a short name has two search registries. */
let registry2: RegistryHandle;
let shortConf: string;
let rdBoth: string;
let signer: GpgKey;
let stranger: GpgKey;
let lookaside: string;
let server: LookasideServer;
let proxy: FaultProxy;
let signed: SkopeoSignedImage;
let cosignKey: CosignKey;
let conf: string;
let rdFile: string;
let rdHttp: string;
let rdSigstore: string;
let host: string;
let serial = 0;

const work = async () => {
  const dir = join(sandbox.dir, `w${++serial}`);
  await mkdir(dir, { recursive: true });
  return dir;
};

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  host = registry.host;
  signer = await createGpgKey(await work());
  stranger = await createGpgKey(await work(), { userId: 'stranger <s@hoist.invalid>' });
  lookaside = join(sandbox.dir, 'lookaside');
  signed = await signWithSkopeo({ registry, repository: 'trust/app', tag: '1', image: signedImage, signer, lookaside, work: await work() });
  await pushImage(registry, 'trust/unsigned', unsigned, '1');
  await signWithSkopeo({
    registry,
    repository: 'trust/elsewhere',
    tag: '1',
    image: elsewhereImage,
    signer,
    lookaside,
    work: await work(),
    signIdentity: `${host}/trust/original:1`,
  });
  // A mirror serves `HOST/mirror-src/app` at `HOST/mirror-dst/app`; the signature names the logical name.
  await signWithSkopeo({
    registry,
    repository: 'mirror-dst/app',
    tag: '1',
    image: mirrored,
    signer,
    lookaside,
    work: await work(),
    signIdentity: `${host}/logical/app:1`,
  });
  await signWithSkopeo({ registry, repository: 'trust/multi', tag: '1', image: multi, signer, lookaside, work: await work(), sign: [amd64.manifest.digest] });
  cosignKey = await makeCosignKey(join(sandbox.dir, 'cosign.pub'));
  await pushImage(registry, 'trust/cosigned', cosigned, '1');
  await writeCosignAttachment(registry, 'trust/cosigned', cosigned.manifest.digest, [{ key: cosignKey }]);
  registry2 = await startRegistry();
  await pushImage(registry, 'short/app', unsigned, '1');
  await signWithSkopeo({ registry: registry2, repository: 'short/app', tag: '1', image: signedImage, signer, lookaside, work: await work() });
  rdBoth = await writeRegistriesD(join(sandbox.dir, 'rd-both'), {
    [host]: { lookaside: `file://${lookaside}` },
    [registry2.host]: { lookaside: `file://${lookaside}` },
  });
  shortConf = await sandbox.conf(
    'short.conf',
    `unqualified-search-registries = ["${host}", "${registry2.host}"]\nshort-name-mode = "permissive"\n${insecure(host, registry2.host)}`,
  );
  server = await serveDirectory(lookaside);
  proxy = await startFaultProxy(registry);
  rdFile = await writeRegistriesD(join(sandbox.dir, 'rd-file'), { [host]: { lookaside: `file://${lookaside}` } });
  rdHttp = await writeRegistriesD(join(sandbox.dir, 'rd-http'), { [host]: { lookaside: server.base } });
  rdSigstore = await writeRegistriesD(join(sandbox.dir, 'rd-sigstore'), { [host]: { lookaside: `file://${lookaside}`, 'use-sigstore-attachments': true } });
  conf = await sandbox.conf(
    'registries.conf',
    `${insecure(host, proxy.host)}\n[[registry]]\nprefix = "${host}/logical/app"\nlocation = "${host}/logical/app"\ninsecure = true\n[[registry.mirror]]\nlocation = "${host}/mirror-dst/app"\ninsecure = true\n`,
  );
});
after(async () => {
  await proxy?.stop();
  await server?.close();
  await registry?.stop();
  await registry2?.stop();
  if (signer) await stopGpgAgent(signer);
  if (stranger) await stopGpgAgent(stranger);
  await sandbox?.remove();
});

/** policy.json: insecureAcceptAnything by default, these docker scopes as given. */
async function policy(docker: Record<string, unknown[]>, extra: Record<string, Record<string, unknown[]>> = {}): Promise<string> {
  const file = join(sandbox.dir, `policy-${++serial}.json`);
  await writeFile(file, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker, ...extra } }));
  return file;
}

const gpgBy = (key: GpgKey, signedIdentity?: object) => ({
  type: 'signedBy',
  keyType: 'GPGKeys',
  keyPath: key.publicKeyFile,
  ...(signedIdentity ? { signedIdentity } : {}),
});

function hoist(root: string, args: string[], policyFile: string, registriesD = rdFile): Promise<RunResult> {
  const pullFlags = args[0] === 'pull' ? ['--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0', '--registries.d', registriesD] : [];
  return runHoist(['--root', root, args[0]!, ...pullFlags, '--signature-policy', policyFile, ...args.slice(1)], { env: sandbox.cliEnv });
}

function assertOk(result: RunResult): void {
  assert.equal(result.status, 0, `hoist failed: ${result.stderr}`);
}

/** A refusal: one Error line, exit 125, nothing on stdout, the store exactly as before. */
async function assertRefused(root: string, run: () => Promise<RunResult>, message: string): Promise<string> {
  const errorLine = await assertRefusedAny(root, run);
  assert.equal(errorLine, `Error: ${message}`);
  return errorLine;
}

/** Like assertRefused, for messages that carry run-specific parts: returns the Error line. */
async function assertRefusedAny(root: string, run: () => Promise<RunResult>): Promise<string> {
  const before = await storeSnapshot(root);
  const result = await run();
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  assert.ok(!result.stderr.includes('    at '), 'no stack trace');
  assert.deepEqual(await storeSnapshot(root), before, 'a refused image leaves the store as it was');
  return result.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? result.stderr;
}

/** An existing, empty store: "as it was" is then the store, not its absence. */
async function emptyRoot(): Promise<string> {
  const root = sandbox.root();
  await Store.open(root);
  return root;
}

/** A store that already holds an image, so "as it was" is not trivially an empty store. */
async function seededRoot(): Promise<string> {
  const root = sandbox.root();
  assertOk(await hoist(root, ['pull', '-q', `${host}/trust/unsigned:1`], await policy({})));
  return root;
}

describe('hoist pull under a signature policy', () => {
  test("a skopeo-signed image is accepted, reports Podman's steps, and keeps its signature for hoist verify", async () => {
    const root = await emptyRoot();
    const p = await policy({ [`${host}/trust`]: [gpgBy(signer)] });
    const result = await hoist(root, ['pull', '--progress', 'plain', `${host}/trust/app:1`], p);
    assertOk(result);
    assert.equal(result.stdout.trim(), signedImage.config.digest.slice(7));
    const lines = result.stderr.split('\n');
    const order = [
      'Getting image source signatures',
      'Checking if image destination supports signatures',
      'Writing manifest to image destination',
      'Storing signatures',
    ].map((l) => lines.indexOf(l));
    assert.ok(
      order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)),
      result.stderr,
    );
    const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    const sigDigests = index.manifests[0]!.annotations['dev.hoist.signatures']!.split(',');
    assert.equal(sigDigests.length, 1);
    // Stored in c/image's blob format: the very bytes skopeo wrote.
    const stored = await readFile(join(root, 'blobs', 'sha256', sigDigests[0]!.slice(7)));
    assert.deepEqual(stored, await readFile(lookasidePath(lookaside, 'trust/app', signed.digest, 1)));

    const verified = await hoist(root, ['verify', `${host}/trust/app:1`], p);
    assertOk(verified);
    assert.equal(verified.stdout, `${host}/trust/app:1: accepted by transports.docker."${host}/trust" (1 signature verified)\n`);
    // The policy changes: the same stored image, offline, is now refused.
    const stricter = await policy({ [`${host}/trust`]: [gpgBy(stranger)] });
    const refused = await hoist(root, ['verify', `${host}/trust/app:1`], stricter);
    assert.equal(refused.status, 125);
    assert.match(refused.stdout, /rejected: signature by key [0-9A-F]+ is not accepted|rejected: Key not found/);
  });

  test('the lookaside is read over HTTP as over file://', async () => {
    const root = await emptyRoot();
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/app:1`], await policy({ [host]: [gpgBy(signer)] }), rdHttp));
    assert.ok(
      server.requests.some((p) => p.endsWith(`trust/app@${signed.digest.replace(':', '=')}/signature-1`)),
      server.requests.join('\n'),
    );
  });

  test('an unsigned image is refused with no layer downloaded', async () => {
    const root = await emptyRoot();
    const p = await policy({ [host]: [gpgBy(signer)], [proxy.host]: [gpgBy(signer)] });
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `${host}/trust/unsigned:1`], p),
      'Source image rejected: A signature was required, but no signature exists',
    );
    // Through a recording proxy: the manifest is read, no blob is.
    const before = proxy.requests.length;
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `${proxy.host}/trust/unsigned:1`], p),
      'Source image rejected: A signature was required, but no signature exists',
    );
    const seen = proxy.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    assert.ok(
      seen.some((r) => r.startsWith('GET /v2/trust/unsigned/manifests/1')),
      seen.join('\n'),
    );
    assert.deepEqual(
      seen.filter((r) => r.includes('/blobs/')),
      [],
    );
  });

  test('a signature by another key is refused', async () => {
    const root = await seededRoot();
    const p = await policy({ [host]: [gpgBy(stranger)] });
    const message = await assertRefusedAny(root, () => hoist(root, ['pull', '-q', `${host}/trust/app:1`], p));
    assert.match(message, /^Error: Source image rejected: (Key not found for key ID|signature by key)/);
  });

  test('a signature for another repository is refused by default, accepted by remapIdentity and exactRepository', async () => {
    const name = `${host}/trust/elsewhere:1`;
    const root = await emptyRoot();
    await assertRefused(
      root,
      async () => hoist(root, ['pull', '-q', name], await policy({ [host]: [gpgBy(signer)] })),
      `Source image rejected: Signature for identity "${host}/trust/original:1" is not accepted`,
    );
    assertOk(
      await hoist(
        root,
        ['pull', '-q', name],
        await policy({ [host]: [gpgBy(signer, { type: 'remapIdentity', prefix: `${host}/trust/elsewhere`, signedPrefix: `${host}/trust/original` })] }),
      ),
    );
    assertOk(
      await hoist(
        sandbox.root(),
        ['pull', '-q', name],
        await policy({ [host]: [gpgBy(signer, { type: 'exactRepository', dockerRepository: `${host}/trust/original` })] }),
      ),
    );
    // matchRepository compares repositories: original is not elsewhere.
    const root2 = await emptyRoot();
    await assertRefused(
      root2,
      async () => hoist(root2, ['pull', '-q', name], await policy({ [host]: [gpgBy(signer, { type: 'matchRepository' })] })),
      `Source image rejected: Signature for identity "${host}/trust/original:1" is not accepted`,
    );
  });

  test('matchRepository accepts a signature for another tag of the repository', async () => {
    const root = await emptyRoot();
    // trust/app:1 is signed as trust/app:1; pulled as trust/app@digest, repo match suffices by default…
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/app@${signed.digest}`], await policy({ [host]: [gpgBy(signer)] })));
    // …and matchExact needs the signed tag itself, which a digest pull does not have.
    const root2 = await emptyRoot();
    await assertRefused(
      root2,
      async () => hoist(root2, ['pull', '-q', `${host}/trust/app@${signed.digest}`], await policy({ [host]: [gpgBy(signer, { type: 'matchExact' })] })),
      `Source image rejected: Signature for identity "${host}/trust/app:1" is not accepted`,
    );
    assertOk(await hoist(root2, ['pull', '-q', `${host}/trust/app@${signed.digest}`], await policy({ [host]: [gpgBy(signer, { type: 'matchRepository' })] })));
  });

  test('only the most specific scope applies: reject for one repository, signatures for the rest', async () => {
    const p = await policy({ [`${host}/trust/unsigned`]: [{ type: 'reject' }], [host]: [gpgBy(signer)] });
    const root = await emptyRoot();
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `${host}/trust/unsigned:1`], p),
      `Source image rejected: Running image docker://${host}/trust/unsigned:1 is rejected by policy.`,
    );
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/app:1`], p));
  });

  test('a multi-platform image is accepted when the chosen instance is signed, refused for an unsigned instance', async () => {
    const p = await policy({ [host]: [gpgBy(signer)] });
    const root = await emptyRoot();
    const result = await hoist(root, ['pull', '-q', '--platform', 'linux/amd64', `${host}/trust/multi:1`], p);
    assertOk(result);
    assert.equal(result.stdout.trim(), amd64.config.digest.slice(7));
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', '--platform', 'linux/arm64/v8', `${host}/trust/multi:1`], p),
      'Source image rejected: A signature was required, but no signature exists',
    );
  });

  test('through a mirror, the policy and the signature use the logical name, the lookaside the mirror', async () => {
    const root = await emptyRoot();
    const p = await policy({ [`${host}/logical`]: [gpgBy(signer)], [host]: [{ type: 'reject' }] });
    const result = await hoist(root, ['pull', '-q', `${host}/logical/app:1`], p);
    assertOk(result);
    assert.equal(result.stdout.trim(), mirrored.config.digest.slice(7));
  });

  test('sigstore attachments signed with a cosign key: accepted by sigstoreSigned, refused with a hint when attachments are off', async () => {
    const p = await policy({ [host]: [{ type: 'sigstoreSigned', keyPath: cosignKey.publicKeyFile, signedIdentity: { type: 'matchRepository' } }] });
    const root = await emptyRoot();
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/cosigned:1`], p, rdSigstore));
    assertOk(await hoist(root, ['verify', `${host}/trust/cosigned:1`], p));
    const root2 = await emptyRoot();
    await assertRefused(
      root2,
      () => hoist(root2, ['pull', '-q', `${host}/trust/cosigned:1`], p, rdFile),
      'Source image rejected: A signature was required, but no signature exists',
    );
    const hinted = await hoist(root2, ['pull', '-q', `${host}/trust/cosigned:1`], p, rdFile);
    assert.match(hinted.stderr, /\nHint: the policy wants sigstore signatures, but use-sigstore-attachments is not true/);
    // The default identity needs the tag, which cosign never signs.
    const root3 = await emptyRoot();
    const exact = await policy({ [host]: [{ type: 'sigstoreSigned', keyPath: cosignKey.publicKeyFile }] });
    await assertRefused(
      root3,
      () => hoist(root3, ['pull', '-q', `${host}/trust/cosigned:1`], exact, rdSigstore),
      `Source image rejected: Signature for identity "${host}/trust/cosigned" is not accepted`,
    );
    const wrong = await makeCosignKey(join(sandbox.dir, 'wrong-cosign.pub'));
    const other = await policy({ [host]: [{ type: 'sigstoreSigned', keyPath: wrong.publicKeyFile, signedIdentity: { type: 'matchRepository' } }] });
    const result = await hoist(sandbox.root(), ['pull', '-q', `${host}/trust/cosigned:1`], other, rdSigstore);
    assert.equal(result.status, 125);
    assert.match(result.stderr, /^Error: Source image rejected: cryptographic signature verification failed/m);
  });

  test('oci: and docker-archive: carry no signatures: signedBy refuses them with the upstream words', async () => {
    const dir = await work();
    await writeOciLayout(join(dir, 'layout'), [{ top: unsigned.manifest, refName: 'v1' }], unsigned.blobs.values());
    const p = await policy({}, { oci: { '': [gpgBy(signer)] } });
    const root = await emptyRoot();
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `oci:${join(dir, 'layout')}:v1`], p),
      'Source image rejected: A signature was required, but no signature exists',
    );
    // The same for the archives: docker-archive has only the "" scope, oci-archive path scopes.
    await writeFile(join(dir, 'img.tar'), dockerArchive([{ image: unsigned, repoTags: ['x:1'] }]));
    await writeFile(join(dir, 'layout.tar'), makeTar(await directoryEntries(join(dir, 'layout'))));
    const archives = await policy({}, { 'docker-archive': { '': [gpgBy(signer)] }, 'oci-archive': { [dir]: [gpgBy(signer)] } });
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `docker-archive:${join(dir, 'img.tar')}`], archives),
      'Source image rejected: A signature was required, but no signature exists',
    );
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', `oci-archive:${join(dir, 'layout.tar')}:v1`], archives),
      'Source image rejected: A signature was required, but no signature exists',
    );
    // Scopes of path transports are resolved paths: a policy for another directory does not apply.
    const elsewhere = await policy({}, { oci: { '/nonexistent/layouts': [{ type: 'reject' }] } });
    assertOk(await hoist(root, ['pull', '-q', `oci:${join(dir, 'layout')}:v1`], elsewhere));
  });

  test('dir: signature-N files are verified like a lookaside', async () => {
    const dir = join(await work(), 'img');
    await writeDirImage(dir, signedImage);
    await writeFile(join(dir, 'signature-1'), await readFile(lookasidePath(lookaside, 'trust/app', signed.digest, 1)));
    const accepted = await policy({}, { dir: { '': [gpgBy(signer, { type: 'exactReference', dockerReference: `${host}/trust/app:1` })] } });
    assertOk(await hoist(sandbox.root(), ['pull', '-q', `dir:${dir}`], accepted));
    const root = await emptyRoot();
    await assertRefused(
      root,
      async () => hoist(root, ['pull', '-q', `dir:${dir}`], await policy({}, { dir: { '': [gpgBy(signer)] } })),
      `Source image rejected: Signature for identity "${host}/trust/app:1" is not accepted`,
    );
  });

  test('a corrupt signature, a lookaside that answers 500, and a signature over 4 MiB are refused cleanly', async () => {
    const bad = join(sandbox.dir, 'bad-lookaside');
    const file = lookasidePath(bad, 'trust/app', signed.digest, 1);
    await mkdir(join(file, '..'), { recursive: true });
    const good = await readFile(lookasidePath(lookaside, 'trust/app', signed.digest, 1));
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 20] ^= 0xff;
    await writeFile(file, corrupt);
    const rdBad = await writeRegistriesD(join(sandbox.dir, 'rd-bad'), { [host]: { lookaside: `file://${bad}` } });
    const p = await policy({ [host]: [gpgBy(signer)] });
    const root = await seededRoot();
    const corrupted = await assertRefusedAny(root, () => hoist(root, ['pull', '-q', `${host}/trust/app:1`], p, rdBad));
    assert.match(corrupted, /^Error: Source image rejected: /);

    await writeFile(file, Buffer.alloc(4 * 1024 * 1024 + 1, 0xa3));
    const large = await assertRefusedAny(root, () => hoist(root, ['pull', '-q', `${host}/trust/app:1`], p, rdBad));
    assert.match(large, /larger than 4194304 bytes/);

    server.forceStatus(500);
    try {
      const failed = await assertRefusedAny(root, () => hoist(root, ['pull', '-q', `${host}/trust/app:1`], p, rdHttp));
      assert.match(failed, /reading signature from http:\/\/127\.0\.0\.1:\d+\/trust\/app@sha256=[0-9a-f]{64}\/signature-1: status 500/);
    } finally {
      server.forceStatus(undefined);
    }
  });

  test('a key that has expired, and a signature that has, refuse the image', async () => {
    const image = buildImage({ layers: [{ 'etc/x': 'signed long ago\n' }] });
    await pushImage(registry, 'trust/expired', image, '1');
    const days = (n: number) => new Date(Date.now() - n * 86400_000);
    // A key made 10 days ago that expired after 2, and a signature it made while it was valid.
    const old = await createGpgKey(await work(), { at: days(10), expires: '2d' });
    const file = lookasidePath(lookaside, 'trust/expired', image.manifest.digest, 1);
    await mkdir(join(file, '..'), { recursive: true });
    try {
      await writeFile(file, await gpgSign(old, simpleSigningPayload(image.manifest.digest, `${host}/trust/expired:1`), { at: days(9) }));
      const root = await emptyRoot();
      const message = await assertRefusedAny(root, async () => hoist(root, ['pull', '-q', `${host}/trust/expired:1`], await policy({ [host]: [gpgBy(old)] })));
      assert.match(message, /^Error: Source image rejected: signature by key [0-9A-F]{40} is not accepted: Primary key is expired/);
      // A key that never expires, whose signature was made 9 days ago to expire after a day.
      const lasting = await createGpgKey(await work(), { at: days(10) });
      try {
        await writeFile(file, await gpgSign(lasting, simpleSigningPayload(image.manifest.digest, `${host}/trust/expired:1`), { at: days(9), expires: '1d' }));
      } finally {
        await stopGpgAgent(lasting);
      }
      const expired = await assertRefusedAny(root, async () =>
        hoist(root, ['pull', '-q', `${host}/trust/expired:1`], await policy({ [host]: [gpgBy(lasting)] })),
      );
      assert.match(expired, /^Error: Source image rejected: Signature expired on \d{4}-\d\d-\d\d /);
    } finally {
      await stopGpgAgent(old);
    }
  });

  test('a malformed policy.json and a malformed registries.d each fail with one error naming the file and key', async () => {
    const bad = join(sandbox.dir, 'bad-policy.json');
    await writeFile(
      bad,
      '{"default": [{"type": "insecureAcceptAnything"}],\n "transports": {"docker": {"x": [{"type": "signedBy", "keyType": "GPGKeys", "keypath": "/k"}]}}}',
    );
    const root = await emptyRoot();
    const r1 = await hoist(root, ['pull', '-q', `${host}/trust/app:1`], bad);
    assert.equal(r1.status, 125);
    assert.match(r1.stderr.split('\n')[0]!, new RegExp(`^Error: ${bad.replace(/[.]/g, '\\.')}:2:\\d+: transports\\.docker\\.x\\[0\\]: Unknown key "keypath"$`));
    const rd = join(sandbox.dir, 'bad-rd');
    await mkdir(rd, { recursive: true });
    await writeFile(join(rd, 'x.yaml'), `docker:\n  ${host}:\n    use-sigstore-attachments: "yes please"\n`);
    const r2 = await hoist(root, ['pull', '-q', `${host}/trust/app:1`], await policy({ [host]: [gpgBy(signer)] }), rd);
    assert.equal(r2.status, 125);
    assert.match(r2.stderr.split('\n')[0]!, /^Error: .*x\.yaml:3:\d+: docker\."127\.0\.0\.1:\d+"\.use-sigstore-attachments: must be a boolean/);
    // Under the default policy registries.d is never read, so the same broken directory does not matter.
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/app:1`], await policy({}), rd));
  });

  test('a missing keyPath and a private key in its place are said plainly', async () => {
    const root = await emptyRoot();
    const missing = await hoist(
      root,
      ['pull', '-q', `${host}/trust/app:1`],
      await policy({ [host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/nonexistent/key.gpg' }] }),
    );
    assert.equal(missing.status, 125);
    assert.match(missing.stderr, /^Error: .*keyPath.*\/nonexistent\/key\.gpg.*(no such file|does not exist)/m);
    const secret = join(sandbox.dir, 'cosign.key');
    await writeFile(secret, cosignKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const priv = await hoist(
      root,
      ['pull', '-q', `${host}/trust/cosigned:1`],
      await policy({ [host]: [{ type: 'sigstoreSigned', keyPath: secret, signedIdentity: { type: 'matchRepository' } }] }),
      rdSigstore,
    );
    assert.equal(priv.status, 125);
    assert.match(priv.stderr, /^Error: .*private key/m);
  });

  test('--policy always re-checks the policy, and so does newer when the tag has moved', async () => {
    const image = buildImage({ layers: [{ 'etc/moving': 'first\n' }] });
    const moved = await signWithSkopeo({ registry, repository: 'trust/moving', tag: '1', image, signer, lookaside, work: await work() });
    const root = await emptyRoot();
    const strict = await policy({ [host]: [gpgBy(signer)] });
    assertOk(await hoist(root, ['pull', '-q', `${host}/trust/moving:1`], strict));
    await assertRefusedAny(root, async () =>
      hoist(root, ['pull', '-q', '--policy', 'always', `${host}/trust/moving:1`], await policy({ [host]: [gpgBy(stranger)] })),
    );
    // Unchanged: `newer` asks for the digest only, and keeps the image it verified.
    const same = await hoist(root, ['pull', '-q', '--policy', 'newer', `${host}/trust/moving:1`], strict);
    assertOk(same);
    assert.equal(same.stdout.trim(), image.config.digest.slice(7));
    // The tag moves to an unsigned image: newer fetches it, and the policy refuses it.
    await pushImage(registry, 'trust/moving', unsigned, '1');
    await assertRefused(
      root,
      () => hoist(root, ['pull', '-q', '--policy', 'newer', `${host}/trust/moving:1`], strict),
      'Source image rejected: A signature was required, but no signature exists',
    );
    assert.ok(moved.signedDigests.includes(image.manifest.digest));
  });

  test('with several short-name candidates, a refused candidate is a failed one and the next is tried', async () => {
    const root = await emptyRoot();
    const p = await policy({ [host]: [gpgBy(signer)], [registry2.host]: [gpgBy(signer)] });
    const result = await runHoist(
      [
        '--root',
        root,
        'pull',
        '--registries-conf',
        shortConf,
        '--alias-cache',
        sandbox.aliasCache(),
        '--retry',
        '0',
        '--registries.d',
        rdBoth,
        '--signature-policy',
        p,
        '--progress',
        'plain',
        'short/app:1',
      ],
      { env: sandbox.cliEnv },
    );
    assertOk(result);
    assert.equal(result.stdout.trim(), signedImage.config.digest.slice(7));
    assert.match(result.stderr, new RegExp(`Trying to pull ${host}/short/app:1\\.\\.\\.`));
    assert.match(result.stderr, new RegExp(`Trying to pull ${registry2.host}/short/app:1\\.\\.\\.`));
    const images = JSON.parse((await runHoist(['--root', root, 'images', '--format', 'json'], { env: sandbox.cliEnv })).stdout) as { Names: string[] }[];
    assert.deepEqual(
      images.map((i) => i.Names),
      [[`${registry2.host}/short/app:1`]],
    );
  });

  test('the library refuses with a typed POLICY_REJECTED error, and rmi removes kept signatures with the image', async () => {
    const store = await Store.open(await emptyRoot());
    const options = {
      store,
      env: sandbox.env,
      registriesConf: conf,
      aliasCache: sandbox.aliasCache(),
      registriesD: rdFile,
      isTTY: false,
      registry: { retry: 0 },
    };
    await assert.rejects(
      pull(`${host}/trust/unsigned:1`, { ...options, signaturePolicy: await policy({ [host]: [gpgBy(signer)] }) }),
      (err: unknown) => isHoistError(err, 'POLICY_REJECTED') && err.message === 'Source image rejected: A signature was required, but no signature exists',
    );
    const [pulled] = await pull(`${host}/trust/app:1`, { ...options, signaturePolicy: await policy({ [host]: [gpgBy(signer)] }) });
    const record = (await store.images()).find((r) => r.id === pulled!.id)!;
    assert.equal(record.signatures?.length, 1);
    const blob = join(store.root, 'blobs', 'sha256', record.signatures![0]!.slice(7));
    await readFile(blob);
    await store.remove([`${host}/trust/app:1`]);
    await assert.rejects(readFile(blob), { code: 'ENOENT' });
  });

  test('hoist trust show explains the entry that decides and where signatures are read, without pulling', async () => {
    const p = await policy({ [`${host}/trust`]: [gpgBy(signer)], [host]: [{ type: 'sigstoreSigned', keyPath: '/nonexistent/cosign.pub' }] });
    const shown = await runHoist(
      ['trust', 'show', '--format', 'json', '--signature-policy', p, '--registries.d', rdFile, '--registries-conf', conf, `${host}/trust/app:1`],
      { env: sandbox.cliEnv },
    );
    assertOk(shown);
    const e = JSON.parse(shown.stdout) as {
      policyFile: string;
      images: {
        scope: string;
        requirements: { type: string }[];
        signatureSources: { lookaside: string; useSigstoreAttachments: boolean }[];
        problems: string[];
      }[];
    };
    assert.equal(e.policyFile, p);
    assert.equal(e.images[0]!.scope, `transports.docker."${host}/trust"`);
    assert.deepEqual(
      e.images[0]!.requirements.map((r) => r.type),
      ['signedBy'],
    );
    assert.equal(e.images[0]!.signatureSources[0]!.lookaside, `file://${lookaside}`);
    assert.deepEqual(e.images[0]!.problems, []);
    const other = await runHoist(['trust', 'show', '--signature-policy', p, '--registries.d', rdFile, '--registries-conf', conf, `${host}/trust2/x:1`], {
      env: sandbox.cliEnv,
    });
    assertOk(other);
    assert.match(other.stdout, /decided by: transports\.docker\."127\.0\.0\.1:\d+"/);
    assert.match(other.stdout, /problem: the policy wants sigstore signatures, but use-sigstore-attachments is not true/);
    assert.match(other.stdout, /problem: .*\/nonexistent\/cosign\.pub/);
  });
});
