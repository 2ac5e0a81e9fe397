import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { run, type RunResult } from './cli.js';
import type { GpgKey } from './gpg.js';
import { blobOf, OCI_CONFIG, OCI_MANIFEST, writeOciLayout, type Blob, type FixtureImage, type FixtureIndex } from './images.js';
import { pushBlob, pushManifest } from './push.js';
import type { RegistryHandle } from './registry.js';
import { startHttpServer, type TestServer } from './servers.js';

/**
 * Signed fixtures made the way the peers make them: simple-signing signatures written by skopeo
 * itself into a lookaside directory, and cosign attachments laid out exactly as cosign pushes them.
 */

// ---------------------------------------------------------------------------------------------
// Simple signing, by skopeo

export interface SignWithSkopeoOptions {
  registry: RegistryHandle;
  repository: string;
  tag: string;
  /** A single image, or a multi-platform index (pushed with `--all`). */
  image: FixtureImage | FixtureIndex;
  /** The key skopeo signs with (`GNUPGHOME` = its homedir); see gpg.ts createGpgKey. */
  signer: GpgKey;
  /** Where skopeo writes signatures (`lookaside-staging: file://…`). */
  lookaside: string;
  /** A fresh scratch directory, for the OCI layout and the registries.d skopeo is given. */
  work: string;
  /**
   * `--sign-identity`: the docker reference put in the signature instead of the pushed one,
   * which makes a signature "for another repository" (or tag) stored where this one is looked up.
   */
  signIdentity?: string;
  /**
   * For an index, which manifests skopeo signs. `'all'` (default): `copy --all --sign-by`, which
   * in skopeo 1.9 signs every instance and the index itself. A list of instance digests: the index
   * is pushed unsigned and each listed instance is then pushed again by digest with `--sign-by`
   * (and `--sign-identity` the index's tag, the name it is pulled by).
   */
  sign?: 'all' | string[];
}

export interface SkopeoSignedImage {
  /** `HOST/REPO:TAG` as pushed. */
  reference: string;
  /** Digest of the top-level manifest (the index for an index). */
  digest: string;
  lookaside: string;
  fingerprint: string;
  publicKeyFile: string;
  /** Every manifest digest (index and instances) that has `signature-1` in the lookaside afterwards. */
  signedDigests: string[];
}

/**
 * Pushes `image` to the registry with `skopeo copy --sign-by`, so the signature is a real
 * simple-signing blob made by GnuPG through c/image, stored at the lookaside path c/image computes.
 */
export async function signWithSkopeo(options: SignWithSkopeoOptions): Promise<SkopeoSignedImage> {
  const { registry, repository, tag, image, signer, lookaside, work } = options;
  const reference = `${registry.host}/${repository}:${tag}`;
  const layout = join(work, 'layout');
  const isIndex = 'index' in image;
  const top = isIndex ? image.index : image.manifest;
  const blobs = isIndex ? [image.index, ...image.images.flatMap((i) => [...i.blobs.values()])] : [...image.blobs.values()];
  const instances = isIndex ? image.images.map((i) => i.manifest) : [];
  await writeOciLayout(layout, [{ top, refName: 'top' }, ...instances.map((m) => ({ top: m, refName: m.digest.slice(7) }))], blobs);
  const registriesD = join(work, 'registries.d');
  await writeRegistriesD(registriesD, { [registry.host]: { 'lookaside-staging': `file://${lookaside}` } });

  // --preserve-digests: should skopeo want to rewrite a manifest, fail rather than sign another digest.
  const copy = async (source: string, dest: string, flags: string[]) => {
    const args = [
      '--insecure-policy',
      'copy',
      '--quiet',
      '--preserve-digests',
      '--dest-tls-verify=false',
      '--registries.d',
      registriesD,
      ...flags,
      `oci:${layout}:${source}`,
      dest,
    ];
    const result = await skopeo(args, { GNUPGHOME: signer.homedir });
    if (result.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  };
  const signFlags = (identity: string | undefined) => ['--sign-by', signer.fingerprint, ...(identity !== undefined ? ['--sign-identity', identity] : [])];
  const selected = options.sign ?? 'all';
  if (!isIndex || selected === 'all') {
    await copy('top', `docker://${reference}`, [...(isIndex ? ['--all'] : []), ...signFlags(options.signIdentity)]);
  } else {
    await copy('top', `docker://${reference}`, ['--all']);
    for (const digest of selected)
      await copy(digest.slice(7), `docker://${registry.host}/${repository}@${digest}`, signFlags(options.signIdentity ?? reference));
  }

  const signedDigests: string[] = [];
  for (const digest of [top.digest, ...instances.map((m) => m.digest)]) {
    if (await exists(lookasidePath(lookaside, repository, digest, 1))) signedDigests.push(digest);
  }
  return { reference, digest: top.digest, lookaside, fingerprint: signer.fingerprint, publicKeyFile: signer.publicKeyFile, signedDigests };
}

/**
 * Where c/image keeps signature N of a manifest below a lookaside base:
 * `<base>/<repository>@<algo>=<hex>/signature-<N>` (docs/signature-protocols.md; no registry host).
 */
export function lookasidePath(lookaside: string, repository: string, digest: string, n: number): string {
  return join(lookaside, `${repository}@${digest.replace(':', '=')}`, `signature-${n}`);
}

/** A registries.d directory with one `hoist.yaml` holding these `docker:` scopes. */
export async function writeRegistriesD(dir: string, scopes: Record<string, Record<string, string | boolean>>): Promise<string> {
  await mkdir(dir, { recursive: true });
  // JSON is YAML: no YAML library is needed to write a file the peers' yaml.v3 reads.
  await writeFile(join(dir, 'hoist.yaml'), `${JSON.stringify({ docker: scopes }, null, 2)}\n`);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Cosign attachments

/*
 * Format facts, and where they come from:
 * - Tag `sha256-<hex>.sig` in the signed image's repository: c/image `docker/docker_image_src.go`
 *   sigstoreAttachmentTag (research §2.3).
 * - The attachment is an OCI image manifest whose config is the go-containerregistry config of an
 *   empty image with the layers appended: cosign `pkg/oci/empty/empty.go` starts from ggcr
 *   `empty.Image` with `mutate.MediaType(OCIManifestSchema1)` and `mutate.ConfigMediaType(OCIConfigJSON)`;
 *   ggcr `pkg/v1/empty/image.go` gives a config of just `rootfs.type: layers`, and ggcr
 *   `pkg/v1/mutate/image.go` compute() appends one diff_id and one (empty) history entry per layer.
 *   ggcr `pkg/v1/config.go` field order and tags decide the JSON: `architecture` and `os` are always
 *   written, `created` is a struct so omitempty never drops it (the zero time), `config` is `{}`.
 * - Each signature is one layer: media type `application/vnd.dev.cosign.simplesigning.v1+json`,
 *   the blob is the payload itself, uncompressed (so digest = diff_id), and the annotation
 *   `dev.cosignproject.cosign/signature` holds base64 of the signature (cosign
 *   `pkg/oci/static/signature.go` and `options.go`; `pkg/oci/mutate/signatures.go` appends layers
 *   with their annotations). Several signatures are several layers of one manifest.
 * - The payload: sigstore `pkg/signature/payload/payload.go` (SimpleContainerImage: field order
 *   identity, image, type; `docker-reference` = `Repository.Name()`, the repository without tag,
 *   unless cosign's `--sign-container-identity` gives one; `optional` is the annotations map, `null`
 *   when there are none), as cosign `cmd/cosign/cli/sign/sign.go` signDigest calls it; c/image
 *   `signature/internal/sigstore_payload.go` is the reader.
 * - Signatures over the payload bytes with SHA-256; ECDSA signatures ASN.1 DER (cosign key pairs are
 *   P-256; public keys are SPKI PEM, as c/image's `signature/fixtures/cosign.pub`).
 */
export const COSIGN_SIGNATURE_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

export interface CosignKey {
  privateKey: KeyObject;
  /** SPKI PEM, what `cosign generate-key-pair` writes to cosign.pub. */
  publicKeyPem: string;
  /** The PEM written to a file, for a policy's `keyPath`. */
  publicKeyFile: string;
}

/** A fresh ECDSA P-256 key pair, its public half written to `publicKeyFile`. */
export async function makeCosignKey(publicKeyFile: string): Promise<CosignKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(publicKeyFile, publicKeyPem);
  return { privateKey, publicKeyPem, publicKeyFile };
}

export interface CosignSignatureSpec {
  key: CosignKey;
  /** `critical.identity.docker-reference`; default `HOST/REPO`, as cosign writes it. */
  identity?: string;
  /** `critical.image.docker-manifest-digest`; default the signed digest. */
  manifestDigest?: string;
  /**
   * More layer annotations (a certificate, its chain, a Rekor bundle), made from the payload and
   * its base64 signature, which a Rekor bundle must record.
   */
  annotations?: (signed: { payload: Buffer; signature: string }) => Record<string, string>;
}

export interface CosignAttachment {
  /** `sha256-<hex>.sig`. */
  tag: string;
  manifest: Blob;
  config: Blob;
  /** One per signature, in order: the payload blob and the base64 signature in its annotation. */
  layers: { payload: Blob; signature: string }[];
}

/** The simple-signing payload cosign signs (field order as sigstore's Go structs marshal it). */
export function cosignPayload(identity: string, manifestDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
}

/**
 * Signs `digest` (a manifest in `repository`) the way `cosign sign --key` stores it, and pushes
 * the attachment under `sha256-<hex>.sig`. Each spec becomes one signature layer.
 */
export async function writeCosignAttachment(
  registry: RegistryHandle,
  repository: string,
  digest: string,
  signatures: CosignSignatureSpec[],
): Promise<CosignAttachment> {
  const layers = signatures.map((spec) => {
    const payload = blobOf(cosignPayload(spec.identity ?? `${registry.host}/${repository}`, spec.manifestDigest ?? digest), COSIGN_SIGNATURE_LAYER);
    return { payload, signature: sign('sha256', payload.data, spec.key.privateKey).toString('base64') };
  });
  const config = blobOf(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.payload.digest) },
      config: {},
    }),
    OCI_CONFIG,
  );
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: config.size, digest: config.digest },
      layers: layers.map((l, i) => ({
        mediaType: COSIGN_SIGNATURE_LAYER,
        size: l.payload.size,
        digest: l.payload.digest,
        annotations: { [COSIGN_SIGNATURE_ANNOTATION]: l.signature, ...signatures[i]!.annotations?.({ payload: l.payload.data, signature: l.signature }) },
      })),
    }),
    OCI_MANIFEST,
  );
  for (const blob of [config, ...layers.map((l) => l.payload)]) await pushBlob(registry, repository, blob);
  const tag = `${digest.replace(':', '-')}.sig`;
  await pushManifest(registry, repository, tag, manifest);
  return { tag, manifest, config, layers };
}

// ---------------------------------------------------------------------------------------------
// Lookaside over HTTP

export interface LookasideServer extends TestServer {
  /** `http://127.0.0.1:PORT`, the `lookaside:` value for registries.d. */
  base: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Answer every request with this status (and no body) until cleared with undefined. */
  forceStatus(status: number | undefined): void;
}

/** A static HTTP server over a lookaside directory: 200 with the file, 404 when there is none. */
export async function serveDirectory(dir: string): Promise<LookasideServer> {
  const root = normalize(dir + sep);
  const requests: string[] = [];
  let forced: number | undefined;
  const server = await startHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    if (forced !== undefined || !file.startsWith(root)) {
      res.writeHead(forced ?? 403).end();
      return;
    }
    readFile(file).then(
      (data) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data),
      () => res.writeHead(404).end(),
    );
  });
  return Object.assign(server, {
    base: server.url('/').href.replace(/\/$/, ''),
    requests,
    forceStatus: (status: number | undefined) => void (forced = status),
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs skopeo with exactly these arguments (unlike runSkopeo, no `--insecure-policy`, and a failure
 * is a result to assert on). A missing skopeo fails the test with a clear message: never a skip.
 */
export function skopeo(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runTool('skopeo', args, env, 'skopeo is not installed: the signature interop tests need it (apt-get install skopeo)');
}

/** `openssl dgst -sha256 -verify`: true for "Verified OK", false for "Verification failure". */
export async function opensslVerifies(publicKeyFile: string, signatureFile: string, dataFile: string): Promise<boolean> {
  const result = await runTool(
    'openssl',
    ['dgst', '-sha256', '-verify', publicKeyFile, '-signature', signatureFile, dataFile],
    {},
    'openssl is not installed: the cosign fixture tests need it (apt-get install openssl)',
  );
  if (result.status === 0 && result.stdout === 'Verified OK\n') return true;
  if (result.status === 1 && result.stdout === 'Verification failure\n') return false;
  throw new Error(`openssl dgst failed (${result.status}): ${result.stdout}${result.stderr}`);
}

/** cli.ts run(), with a missing tool reported as `missing` says (a failed test, never a skip). */
async function runTool(command: string, args: readonly string[], env: Record<string, string | undefined>, missing: string): Promise<RunResult> {
  try {
    return await run(command, args, { env });
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(missing) : err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
