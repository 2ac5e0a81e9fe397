import { pullSources, type PullSource, type RegistriesConf } from '../config/registries/index.js';
import { packageVersion } from '../config/shipped.js';
import { copyImage } from '../copy/index.js';
import { bulletedLines, HoistError, isHoistError, messageLines } from '../errors.js';
import { wantedPlatform } from '../manifest/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import type { ImageRecord } from '../store/index.js';
import type { RegistrySourceOptions } from '../transports/docker.js';
import type { PullContext } from './pull-context.js';

/**
 * The HTTP stack, loaded only once a request is really made: undici alone costs ~200 ms of start-up
 * that decisions without network (`--policy missing`, `never`) need not pay.
 */
const registryTransport = () => import('../transports/docker.js');

/**
 * Connection options for one endpoint. Credentials given with --creds belong to the primary
 * registry: they are not sent to a mirror on another host. `conf` brings registries.conf's
 * credential-helpers.
 */
export function accessFor(source: PullSource, primary: PullSource, ctx: PullContext, conf?: RegistriesConf): RegistrySourceOptions {
  const r = ctx.options.registry ?? {};
  const sameHost = source.reference.domain === primary.reference.domain;
  return {
    insecure: source.insecure || r.tlsVerify === false,
    env: ctx.env,
    userAgent: `hoist/${packageVersion()}`,
    ...(conf !== undefined ? { credentialHelpers: conf.credentialHelpers } : {}),
    retry: r.retry ?? ctx.settings.retry,
    ...(r.creds !== undefined && sameHost ? { creds: r.creds } : {}),
    ...(r.authFile !== undefined ? { authFile: r.authFile } : {}),
    ...(r.certDir !== undefined ? { certDir: r.certDir } : {}),
    ...(r.retryDelayMs !== undefined ? { retryDelayMs: r.retryDelayMs } : {}),
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  };
}

/** Failures no other source can help with: an abort, or a store with no room left. */
function rethrowIfFinal(ctx: PullContext, err: unknown): void {
  if (ctx.options.signal?.aborted || isHoistError(err, 'ABORTED') || isHoistError(err, 'STORE_FULL')) throw err;
}

/** All sources failed: one error naming each endpoint's failure (or the only one as it is). */
function sourcesFailed(ref: ImageReference, failures: { source: PullSource; error: Error }[]): Error {
  if (failures.length === 1) return failures[0]!.error;
  const items = failures.map(({ source, error }) => messageLines(error).map((line, i) => (i === 0 ? `${source.mirror ? 'mirror' : 'primary'} ${formatReference(source.reference)}: ${line}` : line)));
  return new HoistError('PULL_FAILED', bulletedLines(`pulling ${formatReference(ref)} failed from every source:`, items), { cause: failures.at(-1)!.error });
}

/** Copies `ref` from its mirrors, then its primary location, stopping at the first that works; records it as `ref`. */
export async function copyFromSources(ref: ImageReference, conf: RegistriesConf, ctx: PullContext): Promise<ImageRecord> {
  const sources = pullSources(conf, ref);
  const primary = sources.at(-1)!;
  const failures: { source: PullSource; error: Error }[] = [];
  for (const source of sources) {
    let opened;
    try {
      const [{ openRegistrySource }, { registryAuthorizer, signatureStorageLoader }] = await Promise.all([registryTransport(), import('./trust-entry.js')]);
      const signatureStorage = signatureStorageLoader(ctx, source.reference);
      opened = await openRegistrySource(source.reference, {
        ...accessFor(source, primary, ctx, conf),
        signatureStorage,
        onWarning: (message) => ctx.emit({ type: 'warning', message }),
      });
      return await copyImage(opened, ctx.store, {
        platform: wantedPlatform(ctx.options.platform ?? {}),
        names: [formatReference(ref)],
        authorize: registryAuthorizer(ctx, ref, opened, signatureStorage),
        maxParallel: ctx.maxParallel,
        onEvent: ctx.emit,
        ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
      });
    } catch (err) {
      rethrowIfFinal(ctx, err);
      failures.push({ source, error: err as Error });
    } finally {
      await opened?.close();
    }
  }
  throw sourcesFailed(ref, failures);
}

/**
 * The digest the registry now serves for `ref`, asked with HEAD (no body, no rate-limit cost),
 * from the first source that answers; undefined when none sends one.
 */
export async function remoteDigest(ref: ImageReference, conf: RegistriesConf, ctx: PullContext): Promise<string | undefined> {
  const sources = pullSources(conf, ref);
  const primary = sources.at(-1)!;
  for (const source of sources) {
    try {
      const { headManifestDigest } = await registryTransport();
      const digest = await headManifestDigest(source.reference, accessFor(source, primary, ctx, conf));
      if (digest !== undefined) return digest;
    } catch (err) {
      rethrowIfFinal(ctx, err);
    }
  }
  return undefined;
}

/** The repository's tags, from its primary location (following pagination). */
export async function repositoryTags(repository: ImageReference, conf: RegistriesConf, ctx: PullContext): Promise<string[]> {
  const primary = pullSources(conf, repository).at(-1)!;
  const { listTags } = await registryTransport();
  return listTags(primary.reference, accessFor(primary, primary, ctx, conf));
}
