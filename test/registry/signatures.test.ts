import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import type { SignatureStorage } from '../../src/config/registries-d/types.js';
import { isHoistError } from '../../src/errors.js';
import { MAX_SIGNATURE_BYTES, SIGSTORE_SIGNATURE_MEDIA_TYPE, signatureToBlob, type Signature } from '../../src/manifest/index.js';
import { parseReference } from '../../src/reference/index.js';
import { fetchSignatures, RegistryClient, type RegistrySourceOptions } from '../../src/registry/index.js';
import { readLookasideSignatures } from '../../src/registry/lookaside.js';
import { registryEndpoint } from '../../src/transports/docker.js';
import { blobOf, buildImage, DOCKER_MANIFEST, OCI_CONFIG, OCI_MANIFEST, type Blob } from '../helpers/images.js';
import { pushBlob, pushImage, pushManifest } from '../helpers/push.js';
import { testPki } from '../helpers/registry-pki.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { startHttpServer, startRawServer, type TestServer } from '../helpers/servers.js';
import { isolatedEnv, makeTempDir, removeDir } from '../helpers/tmp.js';

/** Two lookaside signatures in c/image's two blob forms: a bare OpenPGP message (by its first byte) and sigstore JSON. */
const simpleBlob = Buffer.concat([Buffer.from([0xa3, 0x01]), Buffer.from('not really an OpenPGP message; these tests only fetch')]);
const sigstoreBlob = signatureToBlob({ format: 'sigstore', mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE, payload: Buffer.from('{"x":1}'), annotations: { a: 'b' } });
const expectedLookaside: Signature[] = [
  { format: 'simple-signing', blob: simpleBlob },
  { format: 'sigstore', mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE, payload: Buffer.from('{"x":1}'), annotations: { a: 'b' } },
];

const image = buildImage({ layers: [{ 'signed.txt': 'a signed image\n' }] });
const unsigned = buildImage({ layers: [{ 'unsigned.txt': 'no attachments\n' }] });
const digest = image.manifest.digest;
const hex = digest.slice('sha256:'.length);
const attachmentTag = (d: string) => `${d.replace(':', '-')}.sig`;

/** A cosign simple-signing payload for `d` (the bytes a cosign signature covers). */
const cosignPayload = (d: string, n: number) =>
  blobOf(
    JSON.stringify({
      critical: { identity: { 'docker-reference': 'example/app' }, image: { 'docker-manifest-digest': d }, type: 'cosign container image signature' },
      optional: { n },
    }),
    SIGSTORE_SIGNATURE_MEDIA_TYPE,
  );

/** A sigstore attachment manifest as cosign writes it: an OCI manifest, one layer per attachment. */
function attachmentManifest(layers: { blob: Blob; annotations: Record<string, string> }[], mediaType = OCI_MANIFEST) {
  const config = blobOf(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] } }), OCI_CONFIG);
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map(({ blob, annotations }) => ({ mediaType: blob.mediaType, digest: blob.digest, size: blob.size, annotations })),
  };
  return { config, manifest: blobOf(JSON.stringify(doc), mediaType) };
}

async function pushAttachments(
  registry: RegistryHandle,
  repository: string,
  forDigest: string,
  layers: { blob: Blob; annotations: Record<string, string> }[],
  mediaType?: string,
) {
  const { config, manifest } = attachmentManifest(layers, mediaType);
  for (const blob of [config, ...layers.map((l) => l.blob)]) await pushBlob(registry, repository, blob);
  await pushManifest(registry, repository, attachmentTag(forDigest), manifest);
}

const storage = (s: { lookaside?: URL; useSigstoreAttachments?: boolean }): SignatureStorage => ({
  ...(s.lookaside !== undefined ? { lookaside: s.lookaside } : {}),
  useSigstoreAttachments: s.useSigstoreAttachments ?? false,
  from: { lookaside: 'test', useSigstoreAttachments: 'test' },
});

/** A lookaside web server: `handle` answers, every request's path and Authorization header are recorded. */
interface Lookaside extends TestServer {
  requests: { path: string; authorization: string | undefined }[];
}

async function startLookaside(
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  tls?: { key: string; cert: string },
): Promise<Lookaside> {
  const requests: Lookaside['requests'] = [];
  const server = await startHttpServer((req, res) => {
    requests.push({ path: req.url!, authorization: req.headers.authorization });
    void handle(req, res);
  }, tls);
  return Object.assign(server, { requests });
}

/** Serves the files of `root` (a lookaside directory, as a plain web server would); 404 for the rest. */
const fromDirectory = (root: string) => async (req: IncomingMessage, res: ServerResponse) => {
  // The request path as sent (it may start with `//`, which a URL parser would take for a host).
  const path = join(root, decodeURIComponent(req.url!.split('?')[0]!));
  try {
    const data = await readFile(path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
  } catch {
    res.writeHead(404).end('not found');
  }
};

let dir: string;
let env: NodeJS.ProcessEnv;
/** A lookaside directory holding image's two signatures, for `repository`. */
let lookasideDir: string;
const repoDir = (root: string, repository: string, d = digest) => join(root, `${repository}@sha256=${d.slice(7)}`);

before(async () => {
  dir = await makeTempDir();
  env = await isolatedEnv(dir);
  lookasideDir = join(dir, 'lookaside');
  for (const repository of ['sig/app', 'auth/app']) {
    await mkdir(repoDir(lookasideDir, repository), { recursive: true });
    await writeFile(join(repoDir(lookasideDir, repository), 'signature-1'), simpleBlob);
    await writeFile(join(repoDir(lookasideDir, repository), 'signature-2'), sigstoreBlob);
  }
});
after(async () => removeDir(dir));

/** A client for `host` (plain HTTP, so `insecure`), with no file of this machine read and fast retries. */
const openClient = (host: string, path: string, options: RegistrySourceOptions = {}) =>
  RegistryClient.open(host, path, { insecure: true, env, retryDelayMs: 1, ...options });

describe('sigstore attachments on the real registry', () => {
  let registry: RegistryHandle;
  const sig1 = cosignPayload(digest, 1);
  const sig2 = cosignPayload(digest, 2);
  const attestation = blobOf('{"payloadType":"application/vnd.in-toto+json"}', 'application/vnd.dsse.envelope.v1+json');
  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'sig/app', image, 'v1');
    await pushAttachments(registry, 'sig/app', digest, [
      { blob: sig1, annotations: { 'dev.cosignproject.cosign/signature': 'c2lnbmF0dXJlLTE=', 'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"x"}' } },
      { blob: sig2, annotations: { 'dev.cosignproject.cosign/signature': 'c2lnbmF0dXJlLTI=' } },
      { blob: attestation, annotations: { predicateType: 'https://slsa.dev/provenance/v1' } },
    ]);
    await pushImage(registry, 'sig/none', unsigned, 'v1');
    // The attachment of `unsigned` in sig/wrong is a Docker schema 2 manifest: not what cosign writes.
    await pushImage(registry, 'sig/wrong', unsigned, 'v1');
    await pushAttachments(
      registry,
      'sig/wrong',
      unsigned.manifest.digest,
      [{ blob: cosignPayload(unsigned.manifest.digest, 1), annotations: {} }],
      DOCKER_MANIFEST,
    );
  });
  after(async () => registry.stop());

  test('every layer of the sha256-<hex>.sig manifest, in order, any media type, with its annotations', async () => {
    const client = await openClient(registry.host, 'sig/app');
    const signatures = await fetchSignatures(client, digest, storage({ useSigstoreAttachments: true }));
    assert.deepEqual(signatures, [
      {
        format: 'sigstore',
        mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE,
        payload: sig1.data,
        annotations: { 'dev.cosignproject.cosign/signature': 'c2lnbmF0dXJlLTE=', 'dev.sigstore.cosign/bundle': '{"SignedEntryTimestamp":"x"}' },
      },
      {
        format: 'sigstore',
        mimeType: SIGSTORE_SIGNATURE_MEDIA_TYPE,
        payload: sig2.data,
        annotations: { 'dev.cosignproject.cosign/signature': 'c2lnbmF0dXJlLTI=' },
      },
      { format: 'sigstore', mimeType: attestation.mediaType, payload: attestation.data, annotations: { predicateType: 'https://slsa.dev/provenance/v1' } },
    ]);
  });

  test('attachments are not read unless registries.d enables them', async () => {
    const client = await openClient(registry.host, 'sig/app');
    assert.deepEqual(await fetchSignatures(client, digest, storage({})), []);
  });

  test('no attachment manifest (404 MANIFEST_UNKNOWN): no signatures', async () => {
    const client = await openClient(registry.host, 'sig/none');
    assert.deepEqual(await fetchSignatures(client, unsigned.manifest.digest, storage({ useSigstoreAttachments: true })), []);
  });

  test('an attachment manifest that is not an OCI image manifest: refused, naming it and its type', async () => {
    const client = await openClient(registry.host, 'sig/wrong');
    await assert.rejects(fetchSignatures(client, unsigned.manifest.digest, storage({ useSigstoreAttachments: true })), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_SIGNATURE'), String(err));
      assert.equal(
        err.message,
        `unexpected MIME type for sigstore attachment manifest ${registry.host}/sig/wrong:${attachmentTag(unsigned.manifest.digest)}: "${DOCKER_MANIFEST}"`,
      );
      return true;
    });
  });

  test('an attachment layer over 4 MiB: refused before it is read', async () => {
    const big = buildImage({ layers: [{ 'big.txt': 'big attachment\n' }] });
    await pushImage(registry, 'sig/big', big, 'v1');
    const huge = blobOf(Buffer.alloc(MAX_SIGNATURE_BYTES + 1, 0x41), SIGSTORE_SIGNATURE_MEDIA_TYPE);
    await pushAttachments(registry, 'sig/big', big.manifest.digest, [{ blob: huge, annotations: {} }]);
    const client = await openClient(registry.host, 'sig/big');
    await assert.rejects(fetchSignatures(client, big.manifest.digest, storage({ useSigstoreAttachments: true })), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_SIGNATURE'), String(err));
      assert.match(err.message, /^sigstore attachment layer .*sig\/big@sha256:[0-9a-f]{64} is larger than 4194304 bytes$/);
      return true;
    });
  });

  test('a malformed manifest digest is refused before any URL is built', async () => {
    const client = await openClient(registry.host, 'sig/app');
    await assert.rejects(fetchSignatures(client, 'sha256:../../../v2/x', storage({ useSigstoreAttachments: true })), (err: unknown) =>
      isHoistError(err, 'INVALID_DIGEST'),
    );
  });

  test('the lookaside and then the attachments, through the registry source', async () => {
    const ref = parseReference(`${registry.host}/sig/app:v1`);
    const options = { insecure: true, env, retryDelayMs: 1 };
    const none = await registryEndpoint(ref, options).open();
    assert.deepEqual(await none.getSignatures!(digest), [], 'no signature storage: no signatures');
    let loads = 0;
    const source = await registryEndpoint(ref, options).open({
      // Read lazily, as the engine does: registries.d is only consulted once signatures are asked for.
      signatureStorage: () => async () => {
        loads++;
        return storage({ lookaside: pathToFileURL(lookasideDir), useSigstoreAttachments: true });
      },
    });
    assert.equal(loads, 0);
    const signatures = await source.getSignatures!(digest);
    assert.equal(loads, 1);
    assert.deepEqual(signatures.slice(0, 2), expectedLookaside);
    assert.deepEqual(
      signatures.slice(2).map((s) => (s.format === 'sigstore' ? s.payload : undefined)),
      [sig1.data, sig2.data, attestation.data],
    );
  });
});

describe('lookaside', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'sig/app', image, 'v1');
  });
  after(async () => registry.stop());

  test('over HTTP: signature-1, signature-2 in order; the 404 of signature-3 ends the list', async () => {
    const lookaside = await startLookaside(fromDirectory(lookasideDir));
    try {
      const client = await openClient(registry.host, 'sig/app');
      assert.deepEqual(await fetchSignatures(client, digest, storage({ lookaside: lookaside.url('/') })), expectedLookaside);
      // The base `http://host/` has the path `/`; c/image would join it to `//sig/app`, hoist does not.
      assert.deepEqual(
        lookaside.requests.map((r) => r.path),
        [1, 2, 3].map((n) => `/sig/app@sha256=${hex}/signature-${n}`),
      );
    } finally {
      await lookaside.close();
    }
  });

  test('over file://: the same two signatures; the missing third ends the list', async () => {
    const client = await openClient(registry.host, 'sig/app');
    assert.deepEqual(await fetchSignatures(client, digest, storage({ lookaside: pathToFileURL(lookasideDir) })), expectedLookaside);
  });

  test('file://: nothing for this digest is no signatures; a signature that is a directory fails', async () => {
    const other = buildImage({ layers: [{ 'other.txt': 'other\n' }] }).manifest.digest;
    assert.deepEqual(await readLookasideSignatures(pathToFileURL(lookasideDir), 'sig/app', other), []);
    await mkdir(join(repoDir(lookasideDir, 'odd/app', other), 'signature-1'), { recursive: true });
    await assert.rejects(readLookasideSignatures(pathToFileURL(lookasideDir), 'odd/app', other), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_SIGNATURE'), String(err));
      assert.match(err.message, /^reading signature from .*\/odd\/app@sha256=[0-9a-f]{64}\/signature-1: not a regular file$/);
      return true;
    });
  });

  test("a 500 is an error naming the URL (without its query), after the client's retries", async () => {
    const lookaside = await startLookaside((_req, res) => void res.writeHead(500).end('boom'));
    try {
      const base = lookaside.url('/sigs?token=secret-query');
      await assert.rejects(readLookasideSignatures(base, 'sig/app', digest, { retry: { retries: 2, fixedDelayMs: 1 } }), (err: unknown) => {
        assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
        assert.equal(
          err.message,
          `reading signature from http://127.0.0.1:${lookaside.port}/sigs/sig/app@sha256=${hex}/signature-1: status 500 (Internal Server Error)`,
        );
        return true;
      });
      assert.equal(lookaside.requests.length, 3);
      assert.ok(lookaside.requests.every((r) => r.path === `/sigs/sig/app@sha256=${hex}/signature-1?token=secret-query`));
    } finally {
      await lookaside.close();
    }
  });

  test('a signature over 4 MiB is refused, not truncated: over HTTP (announced or not) and in a file', async () => {
    const huge = Buffer.alloc(MAX_SIGNATURE_BYTES + 1, 0xa3);
    const lookaside = await startLookaside((req, res) => {
      // One answer with Content-Length, one chunked: the limit holds either way.
      if (req.url!.includes('/chunked')) {
        res.writeHead(200);
        res.write(huge.subarray(0, MAX_SIGNATURE_BYTES));
        res.end(huge.subarray(MAX_SIGNATURE_BYTES));
      } else {
        res.writeHead(200, { 'content-length': huge.length }).end(huge);
      }
    });
    try {
      for (const path of ['/announced', '/chunked']) {
        await assert.rejects(readLookasideSignatures(lookaside.url(path), 'sig/app', digest), (err: unknown) => {
          assert.ok(isHoistError(err, 'INVALID_SIGNATURE'), String(err));
          assert.equal(
            err.message,
            `signature http://127.0.0.1:${lookaside.port}${path}/sig/app@sha256=${hex}/signature-1 is larger than ${MAX_SIGNATURE_BYTES} bytes`,
          );
          return true;
        });
      }
    } finally {
      await lookaside.close();
    }
    const root = join(dir, 'huge');
    await mkdir(repoDir(root, 'sig/app'), { recursive: true });
    await writeFile(join(repoDir(root, 'sig/app'), 'signature-1'), huge);
    await assert.rejects(readLookasideSignatures(pathToFileURL(root), 'sig/app', digest), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_SIGNATURE'), String(err));
      assert.match(err.message, /signature-1 is larger than 4194304 bytes$/);
      return true;
    });
  });

  test('128 signatures are read; a 129th is refused as a server error', async () => {
    let available = 128;
    const lookaside = await startLookaside((req, res) => {
      const n = Number(/signature-(\d+)$/.exec(req.url!)?.[1]);
      if (n <= available) res.writeHead(200).end(Buffer.concat([Buffer.from([0xa3]), Buffer.from(`signature ${n}`)]));
      else res.writeHead(404).end();
    });
    try {
      const read = await readLookasideSignatures(lookaside.url('/l'), 'sig/app', digest);
      assert.equal(read.length, 128);
      assert.deepEqual(read[127], { format: 'simple-signing', blob: Buffer.from('\xa3signature 128', 'latin1') });
      available = 129;
      await assert.rejects(readLookasideSignatures(lookaside.url('/l'), 'sig/app', digest), (err: unknown) => {
        assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
        assert.equal(err.message, "server provided 128 signatures, assuming that's unreasonable and a server error");
        return true;
      });
    } finally {
      await lookaside.close();
    }
  });

  test('text/html is only a warning (control characters escaped); the signature is still read', async () => {
    const lookaside = await startLookaside((req, res) => {
      if (req.url!.endsWith('/signature-1')) res.writeHead(200, { 'content-type': 'text/html; charset=\x9b31m' }).end(simpleBlob);
      else res.writeHead(404).end();
    });
    try {
      const warnings: string[] = [];
      const read = await readLookasideSignatures(lookaside.url('/l'), 'sig/app', digest, { onWarning: (w) => warnings.push(`${w.code}: ${w.message}`) });
      assert.deepEqual(read, [{ format: 'simple-signing', blob: simpleBlob }]);
      assert.deepEqual(warnings, [
        `SIGNATURE_SOURCE: signature http://127.0.0.1:${lookaside.port}/l/sig/app@sha256=${hex}/signature-1 has Content-Type "text/html; charset=\\u009b31m", unexpected for a signature`,
      ]);
    } finally {
      await lookaside.close();
    }
  });

  test('a lookaside that accepts the connection and never answers fails within its timeout', async () => {
    const silent = await startRawServer(() => undefined);
    try {
      const started = Date.now();
      await assert.rejects(
        readLookasideSignatures(silent.url('/l'), 'sig/app', digest, { timeoutMs: 200, retry: { retries: 1, fixedDelayMs: 1 } }),
        (err: unknown) => {
          assert.ok(isHoistError(err, 'CONNECTION_FAILED'), String(err));
          assert.equal(
            err.message,
            `reading signature from http://127.0.0.1:${silent.port}/l/sig/app@sha256=${hex}/signature-1: no complete answer within 200 ms`,
          );
          return true;
        },
      );
      assert.ok(Date.now() - started < 5000);
      assert.equal(silent.requests.length, 2, 'tried again once, as the retry policy says');
    } finally {
      await silent.close();
    }
  });

  test('a scheme other than file, http and https is refused', async () => {
    await assert.rejects(readLookasideSignatures(new URL('ftp://example.com/sigs'), 'sig/app', digest), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_CONFIG'), String(err));
      assert.equal(err.message, `Unsupported scheme when reading signature from ftp://example.com/sigs/sig/app@sha256=${hex}/signature-1`);
      return true;
    });
  });

  describe('over HTTPS', () => {
    const pki = testPki();
    /** The connection pool a CA-trusting caller would give; the default one knows only the public CAs. */
    const trusting = new Agent({ connect: { ca: pki.pem(pki.caCert) } });
    after(async () => trusting.close());

    test('TLS is verified: a certificate from an unknown CA is refused', async () => {
      const lookaside = await startLookaside(fromDirectory(lookasideDir), { key: pki.pem(pki.serverKey), cert: pki.pem(pki.serverCert) });
      try {
        await assert.rejects(readLookasideSignatures(lookaside.url('/'), 'sig/app', digest), (err: unknown) => {
          assert.ok(isHoistError(err, 'TLS_ERROR'), String(err));
          assert.match(err.message, /^reading signature from https:\/\/127\.0\.0\.1:\d+\/sig\/app@sha256=[0-9a-f]{64}\/signature-1: TLS error/);
          assert.equal(err.hint, undefined, 'the certs.d hint is about registries');
          return true;
        });
        assert.deepEqual(await readLookasideSignatures(lookaside.url('/'), 'sig/app', digest, { dispatcher: trusting }), expectedLookaside);
      } finally {
        await lookaside.close();
      }
    });

    test('a redirect from https to plain http is refused, and its query string is never printed', async () => {
      const plain = await startLookaside(fromDirectory(lookasideDir));
      const lookaside = await startLookaside(
        (req, res) => void res.writeHead(302, { location: plain.url(`${req.url!}?X-Amz-Signature=secret-in-query`).href }).end(),
        { key: pki.pem(pki.serverKey), cert: pki.pem(pki.serverCert) },
      );
      try {
        await assert.rejects(readLookasideSignatures(lookaside.url('/l'), 'sig/app', digest, { dispatcher: trusting }), (err: unknown) => {
          assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
          assert.equal(
            err.message,
            `reading signature from https://127.0.0.1:${lookaside.port}/l/sig/app@sha256=${hex}/signature-1: refusing the redirect to http://127.0.0.1:${plain.port}/l/sig/app@sha256=${hex}/signature-1, which is not HTTPS`,
          );
          assert.doesNotMatch(err.message, /secret/);
          return true;
        });
        assert.equal(plain.requests.length, 0);
      } finally {
        await lookaside.close();
        await plain.close();
      }
    });
  });
});

describe('credentials never reach a lookaside', () => {
  let registry: RegistryHandle;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    await pushImage(registry, 'auth/app', image, 'v1');
    await pushAttachments(registry, 'auth/app', digest, [{ blob: cosignPayload(digest, 1), annotations: {} }]);
  });
  after(async () => registry.stop());

  test('the registry gets them; the lookaside and the origin it redirects to get no Authorization', async () => {
    const files = await startLookaside(fromDirectory(lookasideDir));
    // The configured lookaside redirects everything to another origin, as a CDN would.
    const front = await startLookaside((req, res) => void res.writeHead(307, { location: `http://127.0.0.1:${files.port}${req.url!}` }).end());
    try {
      const creds = { username: registry.username!, password: registry.password! };
      const client = await openClient(registry.host, 'auth/app', { creds });
      // userinfo in the lookaside URL is not a credential either: c/image's Go client would send it, hoist does not.
      const base = front.url('/');
      base.username = 'user';
      base.password = 'secret';
      const signatures = await fetchSignatures(client, digest, storage({ lookaside: base, useSigstoreAttachments: true }));
      assert.equal(signatures.length, 3, 'two from the lookaside, one attachment read with the registry credentials');
      assert.deepEqual(signatures.slice(0, 2), expectedLookaside);
      assert.equal(front.requests.length, 3);
      assert.equal(files.requests.length, 3);
      assert.ok([...front.requests, ...files.requests].every((r) => r.authorization === undefined));
    } finally {
      await front.close();
      await files.close();
    }
  });

  test('without credentials the attachments cannot be read: the registry really requires them', async () => {
    const client = await openClient(registry.host, 'auth/app');
    await assert.rejects(fetchSignatures(client, digest, storage({ useSigstoreAttachments: true })), (err: unknown) => isHoistError(err, 'UNAUTHORIZED'));
  });
});

/**
 * The `X-Registry-Supports-Signatures` extension API is OpenShift's integrated registry's; no
 * packaged registry implements it (the CNCF distribution registry does not), so this registry is a
 * small Node HTTP server that speaks just the ping, Basic auth and the signature list.
 */
describe('the registry signature extension API', () => {
  const creds = { username: 'ext-user', password: 'ext-password' };
  const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  let list: unknown = {};
  let registry: Lookaside;
  let lookaside: Lookaside;
  const extensionHost = () => `127.0.0.1:${registry.port}`;
  before(async () => {
    registry = await startLookaside((req, res) => {
      const headers = { 'x-registry-supports-signatures': '1', 'docker-distribution-api-version': 'registry/2.0' };
      if (req.headers.authorization !== basic) {
        res
          .writeHead(401, { ...headers, 'www-authenticate': 'Basic realm="ext"', 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      } else if (req.url === '/v2/') {
        res.writeHead(200, headers).end('{}');
      } else if (req.url === `/extensions/v2/ext/app/signatures/${digest}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      }
    });
    lookaside = await startLookaside(fromDirectory(lookasideDir));
  });
  after(async () => {
    await registry.close();
    await lookaside.close();
  });

  const entry = (content: Buffer, extra: Record<string, unknown> = {}) => ({
    schemaVersion: 2,
    type: 'atomic',
    name: `${digest}@${content.length}`,
    content: content.toString('base64'),
    ...extra,
  });

  test('the ping announces it (on a 401); the list comes with the registry credentials; only schema 2 "atomic" entries count; the lookaside is not asked', async () => {
    const one = Buffer.from([0xa3, 1, 2, 3]);
    const two = Buffer.from([0x89, 4, 5, 6]);
    list = { signatures: [entry(one), entry(Buffer.from('v1'), { schemaVersion: 1 }), entry(Buffer.from('other'), { type: 'sigstore' }), entry(two)] };
    const client = await openClient(extensionHost(), 'ext/app', { creds });
    assert.equal(client.supportsSignatureExtension, true);
    const signatures = await fetchSignatures(client, digest, storage({ lookaside: lookaside.url('/') }));
    assert.deepEqual(signatures, [
      { format: 'simple-signing', blob: one },
      { format: 'simple-signing', blob: two },
    ]);
    assert.equal(lookaside.requests.length, 0);
    const asked = registry.requests.filter((r) => r.path.startsWith('/extensions/'));
    assert.ok(asked.length > 0 && asked.at(-1)!.authorization === basic);
  });

  test('an empty or missing list is no signatures; more than 128 entries or bad base64 are server errors', async () => {
    const client = await openClient(extensionHost(), 'ext/app', { creds });
    for (const empty of [{}, { signatures: null }, { signatures: [] }]) {
      list = empty;
      assert.deepEqual(await fetchSignatures(client, digest, storage({})), []);
    }
    list = { signatures: Array.from({ length: 129 }, () => entry(Buffer.from([0xa3]))) };
    await assert.rejects(fetchSignatures(client, digest, storage({})), (err: unknown) => {
      assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
      assert.match(err.message, /sent 129 signatures for 127\.0\.0\.1:\d+\/ext\/app@sha256:[0-9a-f]{64}, more than 128/);
      return true;
    });
    list = { signatures: [{ schemaVersion: 2, type: 'atomic', content: 'not base64!' }] };
    await assert.rejects(
      fetchSignatures(client, digest, storage({})),
      (err: unknown) => isHoistError(err, 'REGISTRY_ERROR') && /entry 0 has no base64 content/.test(err.message),
    );
  });

  test('a list over 4 MiB is refused', async () => {
    list = { signatures: [entry(Buffer.alloc(3.5 * 1024 * 1024, 0xa3))] };
    const client = await openClient(extensionHost(), 'ext/app', { creds });
    await assert.rejects(fetchSignatures(client, digest, storage({})), (err: unknown) => {
      assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
      assert.match(err.message, /^downloading signatures for sha256:[0-9a-f]{64} in .*ext\/app: the signature list of .* is larger than 4194304 bytes$/);
      return true;
    });
  });

  test('a 404 from the extension is an error, as in containers/image', async () => {
    const client = await openClient(extensionHost(), 'other/app', { creds });
    await assert.rejects(fetchSignatures(client, digest, storage({})), (err: unknown) => {
      assert.ok(isHoistError(err, 'MANIFEST_UNKNOWN'), String(err));
      assert.match(err.message, /^downloading signatures for sha256:[0-9a-f]{64} in 127\.0\.0\.1:\d+\/other\/app: manifest unknown/);
      return true;
    });
  });

  test('a registry whose ping does not announce it: the lookaside is read instead', async () => {
    const plain = await startRegistry();
    try {
      const client = await openClient(plain.host, 'sig/app');
      assert.equal(client.supportsSignatureExtension, false);
      assert.deepEqual(await fetchSignatures(client, digest, storage({ lookaside: pathToFileURL(lookasideDir) })), expectedLookaside);
    } finally {
      await plain.stop();
    }
  });
});
