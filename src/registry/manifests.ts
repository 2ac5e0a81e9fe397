import { HoistError } from '../errors.js';
import { digestBytes, manifestAccept, MAX_MANIFEST_BYTES } from '../manifest/index.js';
import { isValidDigest, parseDigest } from '../reference/index.js';
import { discard, headerValue, readBounded } from './body.js';
import type { RegistryClient } from './client.js';
import { networkError } from './network-errors.js';
import { withRetries } from './retry.js';

/** A tag or a digest, as it goes into `/v2/<name>/manifests/<reference>`. */
export type ManifestReference = string;

/** A manifest as the registry sent it: exact bytes, claimed Content-Type, and their verified digest. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

const ACCEPT = manifestAccept.join(', ');

/**
 * GETs a manifest or index, at most MAX_MANIFEST_BYTES, with the digest of its bytes (by the
 * algorithm of the digest asked for, if one was). Whether they are the manifest asked for is the
 * copier's check; what is checked here is the registry's own claim: a `Docker-Content-Digest`
 * header must match the bytes.
 */
export async function fetchManifest(client: RegistryClient, reference: ManifestReference, signal?: AbortSignal): Promise<FetchedManifest> {
  const name = manifestName(client, reference);
  return withRetries(client.retry, `manifest ${name}`, signal ?? client.signal, async () => {
    const response = await sendManifestRequest(client, 'GET', reference, name, signal);
    const bytes = await readBounded(response.body, response.headers['content-length'], MAX_MANIFEST_BYTES, {
      code: 'INVALID_MANIFEST',
      what: `manifest ${name}`,
    }).catch((err: unknown) => {
      throw networkError(err, response.url, signal);
    });
    const wanted = isValidDigest(reference) ? reference : undefined;
    const digest = digestBytes(bytes, wanted === undefined ? 'sha256' : parseDigest(wanted).algorithm);
    const announced = headerValue(response.headers['docker-content-digest']);
    if (announced !== undefined && isValidDigest(announced)) {
      const actual = digestBytes(bytes, parseDigest(announced).algorithm);
      if (actual !== announced) throw mismatch(name, announced, actual, 'Docker-Content-Digest');
    }
    return { bytes, mediaType: mediaTypeOf(response.headers['content-type']), digest };
  });
}

/**
 * HEADs a manifest: the digest the registry reports for it (`Docker-Content-Digest`), without
 * downloading it. Undefined when the registry does not send the header.
 */
export async function headManifest(client: RegistryClient, reference: ManifestReference, signal?: AbortSignal): Promise<string | undefined> {
  const name = manifestName(client, reference);
  return withRetries(client.retry, `manifest ${name}`, signal ?? client.signal, async () => {
    const response = await sendManifestRequest(client, 'HEAD', reference, name, signal);
    discard(response.body);
    const digest = headerValue(response.headers['docker-content-digest']);
    return digest !== undefined && isValidDigest(digest) ? digest : undefined;
  });
}

function sendManifestRequest(client: RegistryClient, method: 'GET' | 'HEAD', reference: ManifestReference, name: string, signal: AbortSignal | undefined) {
  return client.send({
    method,
    path: `/v2/${client.path}/manifests/${reference}`,
    headers: { accept: ACCEPT },
    subject: { kind: 'manifest', name },
    ...(signal !== undefined ? { signal } : {}),
  });
}

function manifestName(client: RegistryClient, reference: ManifestReference): string {
  return `${client.repository}${isValidDigest(reference) ? '@' : ':'}${reference}`;
}

function mediaTypeOf(contentType: string | string[] | undefined): string {
  return (headerValue(contentType) ?? '').split(';')[0]!.trim();
}

function mismatch(name: string, expected: string, actual: string, by: string): HoistError {
  return new HoistError('DIGEST_MISMATCH', `digest mismatch for manifest ${name}: expected ${expected} (${by}), got ${actual}`, {
    details: { reference: name, expected, actual },
  });
}
