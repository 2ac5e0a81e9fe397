import type { Dispatcher } from 'undici';
import { request } from './undici.js';
import { HoistError, quoted } from '../errors.js';
import type { FoundCredentials } from '../config/auth/index.js';
import { readBounded } from './body.js';
import { readErrorBody, statusError, type RequestSubject } from './http-errors.js';
import { debug } from './log.js';
import { networkError } from './network-errors.js';
import { parseUrl } from './urls.js';
import { parseJsonObject } from '../untrusted-json.js';

/** A bearer token and the moment we stop using it. */
export interface BearerToken {
  token: string;
  expiresAt: number;
}

export interface TokenRequest {
  realm: string;
  service?: string;
  scopes: string[];
  credentials: FoundCredentials | undefined;
  dispatcher: Dispatcher;
  userAgent: string;
  /** The registry and the repository as the user named them, for messages. */
  registry: string;
  repository: string;
  /** The registry is insecure (`--tls-verify=false`, registries.conf `insecure`): a plain-HTTP realm is allowed. */
  insecure: boolean;
  signal?: AbortSignal;
}

/** Token replies are a few KiB; anything past this is not a token service talking. */
const MAX_TOKEN_REPLY_BYTES = 1024 * 1024;
/** The token spec's default lifetime when `expires_in` is absent. */
const DEFAULT_LIFETIME_S = 60;
/** OAuth2 client id sent with refresh-token grants, so token services can tell clients apart. */
const CLIENT_ID = 'hoist';

/**
 * Gets a bearer token from a token service (distribution's docs/spec/auth/token.md). With an
 * identity (refresh) token: the OAuth2 POST form, `grant_type=refresh_token`. Otherwise a GET,
 * with the credentials as Basic auth when there are any (anonymous tokens need none).
 */
export async function fetchBearerToken(req: TokenRequest): Promise<BearerToken> {
  const url = realmUrl(req);
  const headers: Record<string, string> = { 'user-agent': req.userAgent, accept: 'application/json' };
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  const identityToken = req.credentials?.identityToken;
  if (identityToken !== undefined) {
    method = 'POST';
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, client_id: CLIENT_ID });
    if (req.service !== undefined) form.set('service', req.service);
    if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
    body = form.toString();
  } else {
    if (req.service !== undefined) url.searchParams.set('service', req.service);
    for (const scope of req.scopes) url.searchParams.append('scope', scope);
    if (req.credentials !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${req.credentials.username}:${req.credentials.password}`).toString('base64')}`;
    }
  }
  debug('token %s %s%s (scopes %s, %s)', method, url.origin, url.pathname, req.scopes.join(' ') || '-', req.credentials?.source ?? 'anonymous');
  const subject: RequestSubject = {
    kind: 'token',
    registry: req.registry,
    name: req.repository,
    ...(req.credentials !== undefined ? { credentialsSource: req.credentials.source } : {}),
  };
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { method, headers, body, dispatcher: req.dispatcher, signal: req.signal });
  } catch (err) {
    throw networkError(err, url, req.signal);
  }
  if (response.statusCode !== 200) {
    throw statusError(subject, response.statusCode, await readErrorBody(response.body), response.headers, url);
  }
  const bytes = await readBounded(response.body, response.headers['content-length'], MAX_TOKEN_REPLY_BYTES, {
    code: 'REGISTRY_ERROR',
    what: `token reply from ${url.origin}`,
  }).catch((err: unknown) => {
    throw networkError(err, url, req.signal);
  });
  return parseTokenReply(bytes, url.origin);
}

/**
 * The token service's URL, from the registry's challenge. Credentials go there, so it must be
 * HTTPS, whatever scheme the registry itself answered on, unless the user declared the registry
 * insecure: a registry reached over HTTPS that names an `http://` realm would otherwise have the
 * password sent in clear text to whoever is on the path, and take a token anyone could have
 * swapped. (undici follows no redirects here, so an HTTPS realm cannot bounce to HTTP either.)
 */
function realmUrl(req: TokenRequest): URL {
  const url = parseUrl(req.realm, undefined, `the token service (realm) that ${req.registry} named`);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && req.insecure)) return url;
  if (url.protocol === 'http:') {
    throw new HoistError(
      'REGISTRY_ERROR',
      `${req.registry} named a token service over plain HTTP (${url.origin}); hoist sends no credentials and takes no token over an unencrypted connection`,
      {
        hint: `if the network to ${url.host} is trusted, mark ${req.registry} insecure (registries.conf: insecure = true, or --tls-verify=false); that also turns off TLS verification for it`,
      },
    );
  }
  throw new HoistError('REGISTRY_ERROR', `${req.registry} named a token service with an unsupported URL scheme: ${quoted(url.protocol)}`);
}

function parseTokenReply(bytes: Buffer, origin: string): BearerToken {
  const reply = parseJsonObject(bytes, (p) =>
    p.problem === 'syntax'
      ? new HoistError('REGISTRY_ERROR', `token service ${origin} sent a reply that is not JSON`, { retryable: true })
      : new HoistError('REGISTRY_ERROR', `token service ${origin} sent a reply that is not a JSON object`),
  );
  // Docker's services send `token`, OAuth2 ones `access_token`; both mean the same.
  const token = [reply.token, reply.access_token].find((t): t is string => typeof t === 'string' && t !== '');
  if (token === undefined) throw new HoistError('REGISTRY_ERROR', `token service ${origin} sent no token`);
  const lifetime = typeof reply.expires_in === 'number' && reply.expires_in > 0 ? reply.expires_in : DEFAULT_LIFETIME_S;
  // Our own clock, not `issued_at`: a skewed server clock must not make a fresh token look stale.
  // A tenth of the lifetime is kept in hand so that a token never expires on its way.
  return { token, expiresAt: Date.now() + lifetime * 900 };
}
