/**
 * Where a registry image's signatures live, read in containers/image's order
 * (docker/docker_image_src.go GetSignaturesWithFormat): the registry's own signature API when its
 * ping announced it, else the lookaside when registries.d names one; then, independently, the
 * sigstore (cosign) attachments when registries.d enables them. Verifying them is trust/'s job.
 */
import { isStrictBase64 } from '../base64.js';
import type { SignatureStorage } from '../config/registries-d/types.js';
import { HoistError, isHoistError, printable } from '../errors.js';
import {
  MAX_SIGNATURES,
  MAX_SIGNATURE_BYTES,
  MediaType,
  parseManifest,
  verifyBytes,
  type Descriptor,
  type Signature,
  type SigstoreSignature,
} from '../manifest/index.js';
import { parseDigest } from '../reference/index.js';
import { readBounded } from './body.js';
import type { RegistryClient } from './client.js';
import { readLookasideSignatures, type LookasideOptions } from './lookaside.js';
import { fetchManifest, type FetchedManifest } from './manifests.js';
import { networkError } from './network-errors.js';
import { withRetries } from './retry.js';
import { parseJsonObject } from '../untrusted-json.js';

/** containers/image's iolimits.MaxSignatureListBodySize: the extension API's whole answer. */
const MAX_SIGNATURE_LIST_BYTES = 4 * 1024 * 1024;

/** What only the lookaside needs: where its warnings go, and (tests) its timeout and connection pool. */
export type SignatureFetchOptions = Pick<LookasideOptions, 'onWarning' | 'timeoutMs' | 'dispatcher'>;

/** The signatures of manifest `manifestDigest` (an instance digest for an index) of `client`'s repository. */
export async function fetchSignatures(
  client: RegistryClient,
  manifestDigest: string,
  storage: SignatureStorage,
  signal?: AbortSignal,
  options: SignatureFetchOptions = {},
): Promise<Signature[]> {
  // The digest goes into URLs and a tag: only a well-formed one gets there.
  parseDigest(manifestDigest);
  const simple = client.supportsSignatureExtension
    ? await fetchExtensionSignatures(client, manifestDigest, signal)
    : storage.lookaside !== undefined
      ? await readLookasideSignatures(storage.lookaside, client.path, manifestDigest, {
          proxies: client.proxies,
          ...options,
          retry: client.retry,
          ...signalOption(combine(client.signal, signal)),
        })
      : [];
  const sigstore = storage.useSigstoreAttachments ? await fetchSigstoreAttachments(client, manifestDigest, signal) : [];
  return [...simple, ...sigstore];
}

/**
 * OpenShift's `X-Registry-Supports-Signatures` API: `GET /extensions/v2/<repo>/signatures/<digest>`
 * answers `{"signatures":[{schemaVersion, type, name, content (base64)}]}`. It goes through the
 * registry client, so the registry's own credentials apply.
 */
async function fetchExtensionSignatures(client: RegistryClient, digest: string, signal: AbortSignal | undefined): Promise<Signature[]> {
  const name = `${client.repository}@${digest}`;
  let bytes: Buffer;
  try {
    bytes = await withRetries(client.retry, `signatures of ${name}`, signal ?? client.signal, async () => {
      const response = await client.send({
        method: 'GET',
        path: `/extensions/v2/${client.path}/signatures/${digest}`,
        headers: { accept: 'application/json' },
        subject: { kind: 'manifest', name },
        ...signalOption(signal),
      });
      return readBounded(response.body, response.headers['content-length'], MAX_SIGNATURE_LIST_BYTES, {
        code: 'REGISTRY_ERROR',
        what: `the signature list of ${name}`,
      }).catch((err: unknown) => {
        throw networkError(err, response.url, signal);
      });
    });
  } catch (err) {
    if (!(err instanceof HoistError) || err.code === 'ABORTED') throw err;
    throw new HoistError(err.code, `downloading signatures for ${digest} in ${client.repository}: ${err.message}`, {
      cause: err,
      details: err.details,
      ...(err.hint !== undefined ? { hint: err.hint } : {}),
    });
  }
  return parseSignatureList(bytes, client.registry, name);
}

/** The simple-signing blobs of a signature list; entries of other versions or types are for other clients. */
function parseSignatureList(bytes: Buffer, registry: string, name: string): Signature[] {
  const malformed = (why: string) => new HoistError('REGISTRY_ERROR', `${registry} sent a malformed signature list for ${name}: ${why}`);
  const doc = parseJsonObject(bytes, (p) => malformed(p.problem === 'syntax' ? 'it is not JSON' : 'it is not a JSON object'));
  const list = doc.signatures;
  // Go decodes a missing or null list as an empty one.
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw malformed('"signatures" is not a list');
  if (list.length > MAX_SIGNATURES) {
    throw new HoistError(
      'REGISTRY_ERROR',
      `${registry} sent ${list.length} signatures for ${name}, more than ${MAX_SIGNATURES}; assuming that's unreasonable and a server error`,
    );
  }
  const signatures: Signature[] = [];
  for (const [i, entry] of list.entries()) {
    if (typeof entry !== 'object' || entry === null) throw malformed(`entry ${i} is not an object`);
    const { schemaVersion, type, content } = entry as Record<string, unknown>;
    if (schemaVersion !== 2 || type !== 'atomic') continue;
    // Go's encoding/json reads []byte as strict padded base64; Buffer.from would skip junk silently.
    if (typeof content !== 'string' || !isStrictBase64(content)) throw malformed(`entry ${i} has no base64 content`);
    signatures.push({ format: 'simple-signing', blob: Buffer.from(content, 'base64') });
  }
  return signatures;
}

/**
 * cosign's attachments: an OCI manifest tagged `sha256-<hex>.sig` in the same repository, one
 * layer per attachment. Every layer is kept, whatever its media type (attestations too); the policy
 * evaluator only counts `application/vnd.dev.cosign.simplesigning.v1+json` ones as signatures.
 */
async function fetchSigstoreAttachments(client: RegistryClient, digest: string, signal: AbortSignal | undefined): Promise<SigstoreSignature[]> {
  // containers/image's sigstoreAttachmentTag: the first `:` becomes `-`.
  const tag = `${digest.replace(':', '-')}.sig`;
  const name = `${client.repository}:${tag}`;
  let manifest: FetchedManifest;
  try {
    manifest = await fetchManifest(client, tag, signal);
  } catch (err) {
    // Any 404: the image has no attachments (the usual case, so sigstore attachments are opt-in).
    if (isHoistError(err, 'MANIFEST_UNKNOWN') || isHoistError(err, 'NAME_UNKNOWN')) return [];
    throw err;
  }
  // Media types are case-insensitive (c/image compares the parsed, lower-cased Content-Type).
  if (manifest.mediaType.toLowerCase() !== MediaType.ociManifest) {
    throw new HoistError(
      'INVALID_SIGNATURE',
      `unexpected MIME type for sigstore attachment manifest ${name}: ${printable(JSON.stringify(manifest.mediaType))}`,
    );
  }
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, `sigstore attachment manifest ${name}`);
  if (parsed.kind !== 'manifest') throw new HoistError('INVALID_SIGNATURE', `sigstore attachment manifest ${name} is an index`);
  if (parsed.layers.length > MAX_SIGNATURES) {
    throw new HoistError('INVALID_SIGNATURE', `sigstore attachment manifest ${name} has ${parsed.layers.length} layers, more than ${MAX_SIGNATURES}`);
  }
  const attachments: SigstoreSignature[] = [];
  for (const layer of parsed.layers) {
    const annotations = layerAnnotations(layer, name);
    attachments.push({ format: 'sigstore', mimeType: layer.mediaType, payload: await fetchAttachmentLayer(client, layer, signal), annotations });
  }
  return attachments;
}

/** validateDescriptor checks digests and sizes; annotations are ours to check (string → string). */
function layerAnnotations(layer: Descriptor, manifestName: string): Record<string, string> {
  const value: unknown = layer.annotations;
  if (value === undefined || value === null) return {};
  const bad = () => new HoistError('INVALID_SIGNATURE', `sigstore attachment manifest ${manifestName}: layer ${layer.digest} has malformed annotations`);
  if (typeof value !== 'object' || Array.isArray(value)) throw bad();
  const annotations: Record<string, string> = {};
  for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
    if (typeof text !== 'string') throw bad();
    annotations[key] = text;
  }
  return annotations;
}

/** One attachment layer: at most MAX_SIGNATURE_BYTES, and exactly the bytes its digest names. */
async function fetchAttachmentLayer(client: RegistryClient, layer: Descriptor, signal: AbortSignal | undefined): Promise<Buffer> {
  const name = `${client.repository}@${layer.digest}`;
  const what = `sigstore attachment layer ${name}`;
  if (layer.size > MAX_SIGNATURE_BYTES) throw new HoistError('INVALID_SIGNATURE', `${what} is larger than ${MAX_SIGNATURE_BYTES} bytes`);
  return withRetries(client.retry, what, signal ?? client.signal, async () => {
    const response = await client.send({
      method: 'GET',
      path: `/v2/${client.path}/blobs/${layer.digest}`,
      subject: { kind: 'blob', name },
      ...signalOption(signal),
    });
    const bytes = await readBounded(response.body, response.headers['content-length'], MAX_SIGNATURE_BYTES, { code: 'INVALID_SIGNATURE', what }).catch(
      (err: unknown) => {
        throw networkError(err, response.url, signal);
      },
    );
    verifyBytes(bytes, layer.digest, what);
    return bytes;
  });
}

function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a === undefined ? b : b === undefined ? a : AbortSignal.any([a, b]);
}
