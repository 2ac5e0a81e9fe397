import type { Dispatcher } from 'undici';
import type { FoundCredentials } from '../config/auth/index.js';
import { HoistError } from '../errors.js';
import type { Challenge } from './challenge.js';
import { debug } from './log.js';
import { withRetries, type RetryPolicy } from './retry.js';
import { fetchBearerToken, type BearerToken } from './token.js';

export interface AuthenticatorContext {
  dispatcher: Dispatcher;
  userAgent: string;
  registry: string;
  repository: string;
  /** The registry is insecure: its token service may be plain HTTP. */
  insecure: boolean;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Looked up only when a registry asks for credentials, so helpers never run for open registries. */
  credentials: () => Promise<FoundCredentials | undefined>;
}

/**
 * Decides the `Authorization` header for requests to one registry: none, Basic, or a bearer
 * token per scope, cached until shortly before it expires. Learns the scheme from the `/v2/`
 * ping and from any later 401.
 */
export class Authenticator {
  readonly #context: AuthenticatorContext;
  #challenge: Challenge | undefined;
  /** Pending or settled tokens by scope key, so parallel requests share one token request. */
  readonly #tokens = new Map<string, Promise<BearerToken>>();
  /** Extra scopes a registry asked for with `insufficient_scope`, per scope key. */
  readonly #extraScopes = new Map<string, string>();

  constructor(context: AuthenticatorContext, challenges: readonly Challenge[]) {
    this.#context = context;
    this.#challenge = preferred(challenges);
  }

  /** Where the credentials in use came from, or undefined when requests are anonymous. */
  async credentialsSource(): Promise<string | undefined> {
    return this.#challenge === undefined ? undefined : (await this.#context.credentials())?.source;
  }

  /** The header value for a request needing `scope` (e.g. `repository:ns/app:pull`), if any. */
  async authorization(scope: string): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    const credentials = await this.#context.credentials();
    if (challenge.scheme === 'basic') {
      return credentials === undefined ? undefined : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const cached = this.#tokens.get(scope);
    if (cached !== undefined) {
      const token = await cached.catch(() => undefined);
      if (token !== undefined && Date.now() < token.expiresAt) return `Bearer ${token.token}`;
      if (this.#tokens.get(scope) === cached) this.#tokens.delete(scope);
    }
    // Another request may have started a fresh token while we looked at the stale one.
    const pending = this.#tokens.get(scope) ?? this.#startTokenRequest(challenge, scope, credentials);
    return `Bearer ${(await pending).token}`;
  }

  /**
   * Takes in a 401's challenges. True when trying the request once more can help: the registry
   * asked for a scheme or scope we did not use, or a cached token was refused (expired or
   * revoked early), which the next try replaces with a fresh one.
   */
  async unauthorized(challenges: readonly Challenge[], scope: string): Promise<boolean> {
    const next = preferred(challenges);
    if (next === undefined) return false;
    const previous = this.#challenge;
    this.#challenge = next;
    if (next.scheme === 'basic') return previous?.scheme !== 'basic' && (await this.#context.credentials()) !== undefined;
    this.#tokens.delete(scope);
    const wanted = next.params.scope;
    if (next.params.error === 'insufficient_scope' && wanted !== undefined && wanted !== scope) this.#extraScopes.set(scope, wanted);
    debug('401 from %s (%s%s); asking for a new token', this.#context.registry, next.scheme, next.params.error ? `, ${next.params.error}` : '');
    return true;
  }

  #startTokenRequest(challenge: Challenge, scope: string, credentials: FoundCredentials | undefined): Promise<BearerToken> {
    const { registry, repository, insecure, dispatcher, userAgent, retry, signal } = this.#context;
    const realm = challenge.params.realm;
    const extra = this.#extraScopes.get(scope);
    const pending =
      realm === undefined
        ? Promise.reject(new HoistError('REGISTRY_ERROR', `${registry} sent a Bearer challenge without a realm`))
        : withRetries(retry, `token for ${repository}`, signal, () =>
            fetchBearerToken({
              realm,
              ...(challenge.params.service !== undefined ? { service: challenge.params.service } : {}),
              // No scope at all for '' (a login check, as containers/image's CheckAuth asks).
              scopes: [scope, extra].filter((s): s is string => s !== undefined && s !== ''),
              credentials,
              dispatcher,
              userAgent,
              registry,
              repository,
              insecure,
              ...(signal !== undefined ? { signal } : {}),
            }),
          );
    this.#tokens.set(scope, pending);
    // A failed request is forgotten, so the next request asks again instead of failing forever.
    pending.catch(() => {
      if (this.#tokens.get(scope) === pending) this.#tokens.delete(scope);
    });
    return pending;
  }
}

/** Bearer when offered (it scopes access), else Basic; other schemes are not spoken. */
function preferred(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
