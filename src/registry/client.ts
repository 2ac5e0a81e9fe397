import type { Dispatcher } from 'undici';
import { request } from './undici.js';
import { findCredentials, type FoundCredentials } from '../config/auth/index.js';
import { loadRegistryCerts } from '../config/certs/index.js';
import { HoistError, isHoistError } from '../errors.js';
import { dispatcherFor } from './agent.js';
import { discard, headerValue, type ResponseBody } from './body.js';
import { bulkGet, warmBulkConnections, type BulkBody } from '../http1/bulk-get.js';
import { proxyRules, type ProxyRules } from '../http1/proxy-env.js';
import type { Headers } from '../http1/response-head.js';
import type { TlsSettings } from '../http1/tls.js';
import { Authenticator, type AuthenticatorContext } from './authenticator.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { candidateOrigins, registryHost } from './endpoint.js';
import { readErrorBody, statusError, type RequestSubject } from './http-errors.js';
import { debug } from './log.js';
import type { PingAnswer } from './ping-cache.js';
import { isConnectTimeout, networkError } from './network-errors.js';
import type { RegistrySourceOptions } from './options.js';
import { retryPolicy, withRetries, type RetryPolicy } from './retry.js';
import { parseUrl } from './urls.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD';
  /** Path and query below the registry origin, e.g. `/v2/ns/app/manifests/latest`. */
  path: string;
  headers?: Record<string, string>;
  /** What the request is for, to name it in errors. */
  subject: Pick<RequestSubject, 'kind' | 'name'>;
  /** The token scope it needs (default: pull of the client's repository); '' for none in particular (a login check). */
  scope?: string;
  signal?: AbortSignal;
}

export interface RegistryResponse<Body extends ResponseBody = ResponseBody> {
  status: number;
  headers: Headers;
  body: Body;
  /** Where the response finally came from, after redirects. */
  url: URL;
}

/** One HTTP exchange, without auth or redirects: undici's, or bulkGet for blob bodies. */
type Fetch<Body extends ResponseBody> = (
  url: URL,
  init: { method: RegistryRequest['method']; headers: Record<string, string>; signal: AbortSignal | undefined },
) => Promise<{ statusCode: number; headers: Headers; body: Body }>;

/**
 * Connections opened for blobs while a manifest is fetched: the config and a first layer (a
 * one-layer image needs no more) start without waiting for handshakes; the copier opens the rest
 * as it needs them. More would mostly go unused where blobs come from a CDN the registry
 * redirects to, which no warm-up can know in advance.
 */
const WARM_BLOB_CONNECTIONS = 2;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const DEFAULT_USER_AGENT = 'hoist';

/**
 * Talks to one repository on one registry: finds the origin (the `/v2/` ping), authenticates,
 * follows redirects without leaking `Authorization`, and maps failures to HoistErrors.
 * `send` makes one attempt; callers wrap whole operations in retries.
 */
export class RegistryClient {
  /** The registry as the user named it (`docker.io`, `127.0.0.1:5000`), for messages. */
  readonly registry: string;
  /** `domain/path`, for messages. */
  readonly repository: string;
  /** The repository path in API URLs (`library/fedora`). */
  readonly path: string;
  readonly origin: string;
  /**
   * The `/v2/` ping answered `X-Registry-Supports-Signatures: 1` (OpenShift's signature API):
   * simple-signing signatures then come from the registry instead of a lookaside.
   */
  readonly supportsSignatureExtension: boolean;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  /** The proxies of the `env` the client was opened with, for this registry and what it links to. */
  readonly proxies: ProxyRules;
  readonly #fetch: Fetch<ResponseBody>;
  readonly #bulkFetch: Fetch<BulkBody>;
  readonly #authenticator: Authenticator;
  readonly #userAgent: string;
  readonly #insecure: boolean;
  readonly #tls: TlsSettings;

  private constructor(init: {
    domain: string;
    path: string;
    origin: string;
    supportsSignatureExtension: boolean;
    dispatcher: Dispatcher;
    tls: TlsSettings;
    proxies: ProxyRules;
    authenticator: Authenticator;
    options: RegistrySourceOptions;
  }) {
    this.registry = init.domain;
    this.path = init.path;
    this.repository = repositoryName(init.domain, init.path);
    this.origin = init.origin;
    this.supportsSignatureExtension = init.supportsSignatureExtension;
    const { dispatcher, tls, proxies } = init;
    this.proxies = proxies;
    this.#fetch = (url, options) => request(url, { ...options, dispatcher });
    this.#bulkFetch = (url, { headers, signal }) => bulkGet(url, { headers, signal, tls, proxies });
    this.#tls = tls;
    this.#authenticator = init.authenticator;
    this.#userAgent = init.options.userAgent ?? DEFAULT_USER_AGENT;
    this.#insecure = init.options.insecure === true;
    this.retry = retryPolicy(init.options);
    this.signal = init.options.signal;
  }

  /** Resolves the endpoint and TLS settings of `domain` and pings it; credentials are read lazily. */
  static async open(domain: string, path: string, options: RegistrySourceOptions = {}): Promise<RegistryClient> {
    const { host, env, tls, proxies, dispatcher, retry } = await connectionTo(domain, options);
    let credentials: Promise<FoundCredentials | undefined> | undefined;
    const context: AuthenticatorContext = {
      dispatcher,
      userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
      registry: domain,
      repository: repositoryName(domain, path),
      insecure: tls.insecure,
      retry,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      credentials: () =>
        (credentials ??= findCredentials(domain, path, {
          env,
          ...(options.creds !== undefined ? { creds: options.creds } : {}),
          ...(options.credentialsHook !== undefined ? { hook: options.credentialsHook } : {}),
          ...(options.authFile !== undefined ? { authFile: options.authFile } : {}),
          ...(options.credentialHelpers !== undefined ? { credentialHelpers: options.credentialHelpers } : {}),
        })),
    };
    const last = await options.pingCache?.get(host, tls.insecure);
    const early = tokenBesidePing(last, host, path, context);
    const answer = await sharedPing({ host, domain, dispatcher, options, retry, lastOrigin: last?.origin });
    // Awaited, though this process needs nothing from the write: a pull must leave nothing in
    // flight in the store once it returns (a library caller may remove the store at once).
    await options.pingCache?.set(host, tls.insecure, answer);
    const { origin, challenges, supportsSignatureExtension } = answer;
    const proxy = proxies.forUrl(new URL(origin));
    if (proxy !== undefined) debug('%s: through %s', host, proxy.label);
    const authenticator = early !== undefined && sameChallenges(early.challenges, challenges) ? early.authenticator : new Authenticator(context, challenges);
    return new RegistryClient({ domain, path, origin, supportsSignatureExtension, dispatcher, tls, proxies, authenticator, options });
  }

  /**
   * Pings `domain` now, without waiting for the answer, so that a client opened for it within
   * PING_REUSE_MS finds the answer (and a connection) ready: the next short-name candidate's
   * registry while the current one is tried. Only `/v2/` is asked: no repository name, no
   * credentials go to a registry that may never be needed. Failures are the later open's to meet.
   */
  static warm(domain: string, options: RegistrySourceOptions = {}): void {
    connectionTo(domain, options)
      .then(({ host, dispatcher, retry }) => sharedPing({ host, domain, dispatcher, options, retry }))
      .catch((err: Error) => debug('warming %s: %s', domain, err.message));
  }

  /**
   * Opens connections for the blob GETs that are about to follow (a copy of an image not stored
   * yet), so that they do not each wait two round trips for a TCP and a TLS handshake.
   */
  warmBlobConnections(): void {
    warmBulkConnections(new URL(this.origin), { tls: this.#tls, proxies: this.proxies }, WARM_BLOB_CONNECTIONS);
  }

  /** `repository:<path>:pull`: the only access a pull needs. */
  get pullScope(): string {
    return pullScopeOf(this.path);
  }

  /**
   * One request with authentication: on a 401 the challenge is taken in and the request made
   * once more (new scheme, new scope, or a fresh token). Error statuses throw mapped errors.
   */
  send(req: RegistryRequest): Promise<RegistryResponse> {
    return this.#send(req, this.#fetch);
  }

  /** send() for a GET whose large body is read with BulkBody.pipeTo (blobs): see bulkGet. */
  sendBulk(req: Omit<RegistryRequest, 'method'>): Promise<RegistryResponse<BulkBody>> {
    return this.#send({ ...req, method: 'GET' }, this.#bulkFetch);
  }

  async #send<Body extends ResponseBody>(req: RegistryRequest, fetch: Fetch<Body>): Promise<RegistryResponse<Body>> {
    const scope = req.scope ?? this.pullScope;
    for (let tries = 0; ; tries++) {
      const response = await this.#follow(req, await this.#authenticator.authorization(scope), fetch);
      if (response.status < 400) return response;
      if (response.status === 401 && tries === 0) {
        const challenges = parseChallenges(response.headers['www-authenticate']);
        if (await this.#authenticator.unauthorized(challenges, scope)) {
          discard(response.body);
          continue;
        }
      }
      const credentialsSource = await this.#authenticator.credentialsSource();
      const subject: RequestSubject = { ...req.subject, registry: this.registry, ...(credentialsSource !== undefined ? { credentialsSource } : {}) };
      throw statusError(subject, response.status, await readErrorBody(response.body), response.headers, response.url);
    }
  }

  /**
   * Follows redirects by hand (blob storage often lives elsewhere) so `Authorization` goes to
   * the registry's own origin only, never to the storage a redirect points at.
   */
  async #follow<Body extends ResponseBody>(req: RegistryRequest, authorization: string | undefined, fetch: Fetch<Body>): Promise<RegistryResponse<Body>> {
    let url = new URL(req.path, this.origin);
    const signal = combine(this.signal, req.signal);
    for (let hops = 0; ; hops++) {
      const headers: Record<string, string> = { 'user-agent': this.#userAgent, ...req.headers };
      if (authorization !== undefined && url.origin === this.origin) headers.authorization = authorization;
      let response: Awaited<ReturnType<Fetch<Body>>>;
      try {
        response = await fetch(url, { method: req.method, headers, signal });
      } catch (err) {
        throw networkError(err, url, signal);
      }
      // Origin and path only: redirect targets carry signed query strings that act as secrets.
      debug('%s %s%s → %d', req.method, url.origin, url.pathname, response.statusCode);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode) || typeof location !== 'string') {
        return { status: response.statusCode, headers: response.headers, body: response.body, url };
      }
      discard(response.body);
      if (hops === MAX_REDIRECTS) throw new HoistError('REGISTRY_ERROR', `too many redirects for ${req.subject.kind} ${req.subject.name}`);
      const next = parseUrl(location, url, `the Location of ${url.host}'s redirect for ${req.subject.kind} ${req.subject.name}`);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && this.#insecure)) {
        throw new HoistError(
          'REGISTRY_ERROR',
          `${this.registry} redirected ${req.subject.kind} ${req.subject.name} to ${next.protocol}//${next.host}, which is not HTTPS`,
          {
            hint: '--tls-verify=false allows plain HTTP',
          },
        );
      }
      url = next;
    }
  }
}

function pullScopeOf(path: string): string {
  return `repository:${path}:pull`;
}

/** How requests reach `domain`: its certs.d material, proxies, the undici dispatcher for both, retries. */
async function connectionTo(domain: string, options: RegistrySourceOptions) {
  const host = registryHost(domain);
  const env = options.env ?? process.env;
  const certs = await loadRegistryCerts(host, {
    env,
    ...(options.certDir !== undefined ? { certDir: options.certDir } : {}),
    ...(options.certsBases !== undefined ? { bases: options.certsBases } : {}),
  });
  if (certs !== undefined) debug('%s: using certs.d %s', host, certs.dir);
  const tls: TlsSettings = { insecure: options.insecure === true, ...(certs !== undefined ? { certs } : {}) };
  // HTTPS_PROXY, HTTP_PROXY and NO_PROXY from the caller's env, as Podman reads them (proxy-env.ts).
  const proxies = proxyRules(env);
  return { host, env, tls, proxies, dispatcher: dispatcherFor(tls, proxies), retry: retryPolicy(options) };
}

/**
 * A ping answer is shared for this long by the clients of one process that reach the registry the
 * same way (one dispatcher: the same trust decision and proxies): the undici Agent keeps the
 * connection the ping used that long too. `newer` on a changed image asks for the digest and then
 * copies, two clients; a warmed short-name candidate is a third. A ping that fails is not shared:
 * whoever asks next pings again (so an abort of one caller never fails another).
 */
const PING_REUSE_MS = 30_000;
const recentPings = new WeakMap<Dispatcher, Map<string, { answer: Promise<PingAnswer>; at: number }>>();

/** What a ping needs: the registry, how to reach it, and where it answered last time (the ping cache). */
interface PingTarget {
  host: string;
  domain: string;
  dispatcher: Dispatcher;
  options: RegistrySourceOptions;
  retry: RetryPolicy;
  lastOrigin?: string | undefined;
}

async function sharedPing(target: PingTarget): Promise<PingAnswer> {
  const { host, dispatcher, options } = target;
  let pings = recentPings.get(dispatcher);
  if (pings === undefined) {
    pings = new Map();
    recentPings.set(dispatcher, pings);
  }
  const key = `${options.insecure === true} ${host}`;
  const recent = pings.get(key);
  if (recent !== undefined && performance.now() - recent.at < PING_REUSE_MS) {
    const answer = await recent.answer.catch(() => undefined);
    if (answer !== undefined) return answer;
  }
  const answer = ping(target);
  const entry = { answer, at: performance.now() };
  pings.set(key, entry);
  answer.catch(() => {
    if (pings.get(key) === entry) pings.delete(key);
  });
  return answer;
}

/**
 * When the registry's last ping (the ping cache) asked for a bearer token, the token for the
 * repository is asked for now, beside the ping, with an authenticator of that challenge; the
 * caller keeps it only if the ping says the same again (else the token is thrown away unused).
 */
function tokenBesidePing(
  last: PingAnswer | undefined,
  host: string,
  path: string,
  context: AuthenticatorContext,
): { authenticator: Authenticator; challenges: Challenge[] } | undefined {
  if (last === undefined || path === '' || !last.challenges.some((c) => c.scheme === 'bearer')) return undefined;
  const authenticator = new Authenticator(context, last.challenges);
  debug('%s asked for a token last time: asking for it beside the ping', host);
  authenticator.authorization(pullScopeOf(path)).catch(() => undefined);
  return { authenticator, challenges: last.challenges };
}

function sameChallenges(a: readonly Challenge[], b: readonly Challenge[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `GET /v2/`: which origin answers (https, or http for an insecure registry) and how it wants
 * us to authenticate. 200 means no authentication; 401 carries the challenge. An insecure
 * registry that answered over plain HTTP last time (`lastOrigin`, the ping cache) is asked there
 * first, not after a TLS attempt that fails every time (a connection and a round trip or two, per
 * pull from a plain-HTTP mirror); if it no longer answers there, for any reason, https is tried.
 */
async function ping({ host, domain, dispatcher, options, retry, lastOrigin }: PingTarget): Promise<PingAnswer> {
  const candidates = candidateOrigins(host, options.insecure === true);
  const reordered = lastOrigin !== undefined && lastOrigin !== candidates[0] && candidates.includes(lastOrigin);
  const origins = reordered ? [lastOrigin, ...candidates.filter((o) => o !== lastOrigin)] : candidates;
  for (const [i, origin] of origins.entries()) {
    const url = new URL('/v2/', origin);
    try {
      return await withRetries(retry, `ping ${url.href}`, options.signal, async () => {
        let response: Dispatcher.ResponseData;
        try {
          response = await request(url, {
            method: 'GET',
            headers: { 'user-agent': options.userAgent ?? DEFAULT_USER_AGENT },
            dispatcher,
            signal: options.signal,
          });
        } catch (err) {
          throw firstContactError(err, url, options.signal);
        }
        debug('ping %s → %d', url.href, response.statusCode);
        if (response.statusCode === 200 || response.statusCode === 401) {
          discard(response.body);
          return {
            origin,
            challenges: response.statusCode === 401 ? parseChallenges(response.headers['www-authenticate']) : [],
            // As containers/image: the header of the ping, 200 or 401 alike, decides.
            supportsSignatureExtension: headerValue(response.headers['x-registry-supports-signatures']) === '1',
          };
        }
        throw statusError({ kind: 'ping', registry: domain, name: domain }, response.statusCode, await readErrorBody(response.body), response.headers, url);
      });
    } catch (err) {
      const last = i === origins.length - 1;
      const unreachable = isHoistError(err, 'TLS_ERROR') || isHoistError(err, 'CONNECTION_FAILED');
      const remembered = reordered && i === 0 && !isHoistError(err, 'ABORTED');
      if (last || !(unreachable || remembered)) throw err;
      debug('%s did not answer (%s); trying %s as the registry is insecure', origin, (err as Error).message, origins[i + 1]);
    }
  }
  throw new HoistError('INTERNAL', `no origin to try for ${host}`);
}

/**
 * networkError for the ping, the first request to a registry. A connection that timed out before
 * the server said anything (no TCP accept in 30 s, or no TLS handshake in 10 s) is not tried
 * again: nothing has shown the endpoint alive, and --retry more tries of a silent server only
 * multiply the wait (4 × 30 s) before the error or the insecure fallback to HTTP. Once a registry
 * has answered, later requests retry these failures as any other.
 */
function firstContactError(err: unknown, url: URL, signal: AbortSignal | undefined): HoistError {
  const error = networkError(err, url, signal);
  if (!isConnectTimeout(err)) return error;
  return new HoistError(error.code, error.message, {
    cause: error.cause,
    retryable: false,
    details: error.details,
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
  });
}

/** `domain/path` for messages; the registry alone for a client of no repository (a login check). */
function repositoryName(domain: string, path: string): string {
  return path === '' ? domain : `${domain}/${path}`;
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a === undefined ? b : b === undefined ? a : AbortSignal.any([a, b]);
}
