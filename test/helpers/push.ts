import type { Readable } from 'node:stream';
import { request } from 'undici';
import { digestStream } from './digest-stream.js';
import type { Blob, FixtureImage, FixtureIndex } from './images.js';
import type { RegistryHandle } from './registry.js';

/**
 * Pushes fixtures with the registry HTTP API (distribution spec): blobs by monolithic upload
 * (POST an upload, PUT `?digest=`), or streamed in one PATCH for large ones; then manifests.
 * Uses the registry's credentials (Basic, or a push token from its issuer) when auth is on.
 */
export async function pushImage(registry: RegistryHandle, repository: string, image: FixtureImage, tags: string | string[]): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await pushBlob(registry, repository, blob);
  for (const tag of [tags].flat()) await pushManifest(registry, repository, tag, image.manifest);
}

/** Pushes every image of an index (by digest), then the index under `tag`. */
export async function pushIndex(registry: RegistryHandle, repository: string, fixture: FixtureIndex, tag: string): Promise<void> {
  for (const image of fixture.images) await pushImage(registry, repository, image, image.manifest.digest);
  await pushManifest(registry, repository, tag, fixture.index);
}

export async function pushBlob(registry: RegistryHandle, repository: string, blob: Pick<Blob, 'digest' | 'data'>): Promise<void> {
  const exists = await call(registry, repository, 'HEAD', `/v2/${repository}/blobs/${blob.digest}`);
  if (exists.status === 200) return;
  const upload = await call(registry, repository, 'POST', `/v2/${repository}/blobs/uploads/`);
  expectStatus(upload, 202, 'start upload');
  const put = relative(upload.location!, registry, blob.digest);
  expectStatus(await call(registry, repository, 'PUT', put, { body: blob.data, contentType: 'application/octet-stream' }), 201, 'upload');
}

/** Streams a large blob in one PATCH (chunked transfer) hashing as it goes, then closes the upload. */
export async function pushStreamedBlob(registry: RegistryHandle, repository: string, data: Readable): Promise<{ digest: string; size: number }> {
  const hashing = digestStream();
  const upload = await call(registry, repository, 'POST', `/v2/${repository}/blobs/uploads/`);
  expectStatus(upload, 202, 'start upload');
  const patch = await call(registry, repository, 'PATCH', relative(upload.location!, registry), {
    body: data.pipe(hashing.stream),
    contentType: 'application/octet-stream',
  });
  expectStatus(patch, 202, 'streamed upload');
  const { digest, size } = hashing.result();
  expectStatus(await call(registry, repository, 'PUT', relative(patch.location!, registry, digest)), 201, 'close upload');
  return { digest, size };
}

export async function pushManifest(registry: RegistryHandle, repository: string, reference: string, manifest: Pick<Blob, 'data' | 'mediaType'>): Promise<void> {
  const res = await call(registry, repository, 'PUT', `/v2/${repository}/manifests/${reference}`, { body: manifest.data, contentType: manifest.mediaType });
  expectStatus(res, 201, `manifest ${repository}:${reference}`);
}

/** An upload Location as a path below the registry, with `?digest=` when closing the upload. */
function relative(location: string, registry: RegistryHandle, digest?: string): string {
  const url = new URL(location, registry.url);
  if (digest !== undefined) url.searchParams.set('digest', digest);
  return url.pathname + url.search;
}

interface CallResult {
  status: number;
  location?: string;
  text: string;
}

const tokens = new WeakMap<RegistryHandle, Map<string, string>>();

async function call(
  registry: RegistryHandle,
  repository: string,
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  payload: { body?: Buffer | Readable; contentType?: string } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (payload.contentType) headers['content-type'] = payload.contentType;
  const authorization = await authorizationFor(registry, repository);
  if (authorization) headers.authorization = authorization;
  const res = await request(new URL(path, registry.url), { method, headers, body: payload.body, dispatcher: registry.dispatcher });
  const text = method === 'HEAD' ? '' : await res.body.text();
  const location = res.headers.location;
  return { status: res.statusCode, text, ...(typeof location === 'string' ? { location } : {}) };
}

async function authorizationFor(registry: RegistryHandle, repository: string): Promise<string | undefined> {
  if (registry.username === undefined) return undefined;
  const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  const issuer = registry.tokenIssuer;
  if (issuer === undefined) return basic;
  let cache = tokens.get(registry);
  if (cache === undefined) tokens.set(registry, (cache = new Map()));
  const cached = cache.get(repository);
  if (cached !== undefined) return cached;
  const url = new URL(issuer.realm);
  url.searchParams.set('service', issuer.service);
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  // The registry's dispatcher trusts the test CA, for an issuer serving HTTPS.
  const res = await request(url, { headers: { authorization: basic }, dispatcher: registry.dispatcher });
  const { token } = (await res.body.json()) as { token: string };
  cache.set(repository, `Bearer ${token}`);
  return `Bearer ${token}`;
}

function expectStatus(res: CallResult, status: number, what: string): void {
  if (res.status !== status) throw new Error(`push: ${what}: expected ${status}, got ${res.status}: ${res.text}`);
}
