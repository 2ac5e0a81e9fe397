import { pullSources, type PullSource, type RegistriesConf } from '../config/registries/index.js';
import { bulletedLines, HoistError, isHoistError, messageLines, type Warning } from '../errors.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import { RegistryClient, type RegistrySourceOptions } from '../registry/index.js';
import { accessFor, type AccessOptions } from './registry-access.js';

/** One place to read an image from: a mirror or the primary location, and how to connect to it. */
export interface Endpoint {
  source: PullSource;
  options: RegistrySourceOptions;
}

/**
 * Where a walk over the endpoints stands: the endpoint now asked, and the first failure of each
 * one given up. Reads that share a walk (the blobs of one image) move on together: once one of
 * them gives an endpoint up, the reads that start afterwards begin at the next one.
 */
export class Walk {
  at = 0;
  readonly failures = new Map<number, Error>();
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** A failure of the caller's own (not the endpoint's), which another endpoint cannot help with. */
  isOwnFailure?: (err: unknown) => boolean;
  /** Called when the cursor leaves `from` for `to` because of `error`; default: a warning that names both. */
  onFallOver?: (from: Endpoint, error: Error, to: Endpoint) => void;
}

/** `mirror host/path:tag` or `primary host/path:tag`, as messages name an endpoint. */
export function endpointLabel({ source }: Endpoint): string {
  return `${source.mirror ? 'mirror' : 'primary'} ${formatReference(source.reference)}`;
}

/**
 * The endpoints of one image, in the order they are tried (registries.conf's usable mirrors, then
 * the primary location). An endpoint's client (its `/v2/` ping) is opened when a walk first
 * reaches it and is then shared, so an endpoint that is never needed is never contacted, and one
 * that failed to open is not pinged again.
 */
export class RegistryEndpoints {
  readonly logical: ImageReference;
  readonly list: readonly Endpoint[];
  readonly #clients = new Map<number, Promise<RegistryClient>>();
  readonly #onWarning: ((warning: Warning) => void) | undefined;

  private constructor(logical: ImageReference, list: readonly Endpoint[], onWarning?: (warning: Warning) => void) {
    this.logical = logical;
    this.list = list;
    this.#onWarning = onWarning;
  }

  /**
   * The endpoints registries.conf gives `ref`, each with its own connection options (accessFor).
   * Only the last one retries a failed request: for the others the next endpoint is the retry, so
   * a mirror that is down costs no backoff pauses and the pull tells once (ENDPOINT_FALLBACK)
   * instead of once per retry.
   */
  static forImage(ref: ImageReference, conf: RegistriesConf, access: AccessOptions): RegistryEndpoints {
    const sources = pullSources(conf, ref);
    const primary = sources.at(-1)!;
    return new RegistryEndpoints(
      ref,
      sources.map((source) => {
        const options = accessFor(source, primary, access, conf);
        return { source, options: source === primary ? options : { ...options, retry: 0 } };
      }),
      access.onWarning,
    );
  }

  /** `ref` on its own registry alone, with these options (no registries.conf). */
  static only(ref: ImageReference, options: RegistrySourceOptions): RegistryEndpoints {
    return new RegistryEndpoints(ref, [{ source: { reference: ref, insecure: options.insecure === true, mirror: false }, options }]);
  }

  /**
   * `attempt` on the endpoint `walk` is at, moving on after each failure the endpoint can be blamed
   * for, until one attempt succeeds. An abort, a full store and the caller's own failures end the
   * walk as they are; when no endpoint is left, everyFailed.
   */
  async walk<T>(walk: Walk, attempt: (client: RegistryClient, endpoint: Endpoint) => Promise<T>, options: WalkOptions = {}): Promise<T> {
    for (;;) {
      const at = walk.at;
      const endpoint = this.list[at];
      if (endpoint === undefined) throw this.everyFailed(walk);
      try {
        return await attempt(await this.#client(at), endpoint);
      } catch (err) {
        if (isFinal(err, [options.signal, endpoint.options.signal]) || options.isOwnFailure?.(err)) throw err;
        if (!walk.failures.has(at)) walk.failures.set(at, err as Error);
        // Another read sharing the walk may have moved it on already, and told of the move.
        if (walk.at !== at) continue;
        walk.at = at + 1;
        const next = this.list[walk.at];
        if (next !== undefined) (options.onFallOver ?? this.#warnFallOver)(endpoint, err as Error, next);
      }
    }
  }

  /** Whether `walk` has given up every endpoint. */
  exhausted(walk: Walk): boolean {
    return walk.at >= this.list.length;
  }

  /** One error naming each endpoint's failure in `walk` (or the only one as it is). */
  everyFailed(walk: Walk): Error {
    const failures = this.list.flatMap((endpoint, i) => (walk.failures.has(i) ? [{ endpoint, error: walk.failures.get(i)! }] : []));
    if (failures.length === 1) return failures[0]!.error;
    const items = failures.map(({ endpoint, error }) => messageLines(error).map((line, i) => (i === 0 ? `${endpointLabel(endpoint)}: ${line}` : line)));
    return new HoistError('PULL_FAILED', bulletedLines(`pulling ${formatReference(this.logical)} failed from every source:`, items), {
      cause: failures.at(-1)!.error,
    });
  }

  /**
   * A walk that moves on without a word of its own (the manifest, `newer`'s HEAD, the tag list)
   * still tells the user: a mirror that is down should not go unnoticed behind a pull that works.
   */
  readonly #warnFallOver = (from: Endpoint, error: Error, to: Endpoint) =>
    this.#onWarning?.({ code: 'ENDPOINT_FALLBACK', message: `${endpointLabel(from)}: ${error.message}; trying ${endpointLabel(to)}` });

  #client(at: number): Promise<RegistryClient> {
    let client = this.#clients.get(at);
    if (client === undefined) {
      const { source, options } = this.list[at]!;
      client = RegistryClient.open(source.reference.domain, source.reference.path, options);
      this.#clients.set(at, client);
    }
    return client;
  }
}

/** Failures no other endpoint can help with: an abort, or a store with no room left. */
function isFinal(err: unknown, signals: readonly (AbortSignal | undefined)[]): boolean {
  return signals.some((signal) => signal?.aborted === true) || isHoistError(err, 'ABORTED') || isHoistError(err, 'STORE_FULL');
}
