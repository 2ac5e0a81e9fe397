import type { RegistriesConf } from '../config/registries/index.js';
import { copyImage } from '../copy/index.js';
import type { Warning } from '../errors.js';
import { wantedPlatform } from '../manifest/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import type { ImageRecord } from '../store/index.js';
import type { AccessOptions } from '../transports/registry-access.js';
import type { PullContext } from './pull-context.js';

/**
 * The HTTP stack, loaded only once a request is really made: undici alone costs ~200 ms of start-up
 * that decisions without network (`--policy missing`, `never`) need not pay.
 */
async function registryImage(ref: ImageReference, conf: RegistriesConf, ctx: PullContext) {
  const { registryImage, filePingCache } = await import('../transports/docker.js');
  let pingCache = pingCaches.get(ctx);
  if (pingCache === undefined) {
    const { paths } = ctx.store;
    pingCache = filePingCache(paths.registryPings, () => paths.tmpFile('pings'));
    pingCaches.set(ctx, pingCache);
  }
  return registryImage(ref, conf, { ...registryAccess(ctx), pingCache });
}

/**
 * One ping cache per pull: `newer`'s digest check and its copy, and each short-name candidate, read
 * the store's file once and record into one view of it (two views would each write back without
 * the other's entry).
 */
const pingCaches = new WeakMap<PullContext, NonNullable<AccessOptions['pingCache']>>();

/** How this pull reaches registries: its flags, with hoist.toml's retry count as the default; its warnings go to the pull's listener. */
function registryAccess(ctx: PullContext): AccessOptions {
  const { retry, ...flags } = ctx.options.registry ?? {};
  return {
    ...flags,
    env: ctx.env,
    retry: retry ?? ctx.settings.retry,
    onWarning: warningsOf(ctx),
    ...(ctx.options.credentials ? { credentialsHook: ctx.options.credentials } : {}),
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  };
}

/** The registry layers' warnings, as the pull's warning events. */
function warningsOf(ctx: PullContext): (warning: Warning) => void {
  return (warning) => ctx.emit({ type: 'warning', ...warning });
}

/**
 * Copies `ref` into the store and records it as `ref`. Which endpoint serves what (mirrors, then
 * the primary) is the registry transport's business; the trust policy is asked once, about the
 * manifest the source serves, and a refusal is final.
 */
export async function copyFromSources(
  ref: ImageReference,
  conf: RegistriesConf,
  ctx: PullContext,
  { blobsExpected }: { blobsExpected: boolean },
): Promise<ImageRecord> {
  const opener = await registryImage(ref, conf, ctx);
  // The registry is asked first; the trust half of the engine loads, and policy.json is read, while
  // its answers are awaited (every copy asks the policy before its first blob; a failure to read
  // it is met there, as before). A signature loader asks for the module itself (the same one,
  // loaded once), so the opener may call it at any time.
  const trust = () => import('./trust-entry.js');
  const opening = opener.open({
    signatureStorage: (endpoint) => async () => (await trust()).signatureStorageLoader(ctx, endpoint)(),
    onWarning: warningsOf(ctx),
    blobsExpected,
  });
  // Loading starts now; a failure is met (and reported) where it is awaited, below.
  trust().catch(() => undefined);
  ctx.trustPolicy().catch(() => undefined);
  const source = await opening;
  try {
    const { registryAuthorizer, signatureStorageLoader } = await trust();
    return await copyImage(source, ctx.store, {
      platform: wantedPlatform(ctx.options.platform ?? {}),
      names: [formatReference(ref)],
      authorize: registryAuthorizer(ctx, ref, source, signatureStorageLoader(ctx, source.endpoint)),
      maxParallel: ctx.maxParallel,
      onEvent: ctx.emit,
      ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
    });
  } finally {
    // Also when the trust half failed to load: the opened source's connections are let go.
    await source.close();
  }
}

/** The digest the registry now serves for `ref`, asked with HEAD (no body, no rate-limit cost); undefined when no endpoint tells. */
export async function remoteDigest(ref: ImageReference, conf: RegistriesConf, ctx: PullContext): Promise<string | undefined> {
  return (await registryImage(ref, conf, ctx)).manifestDigest();
}

/** Starts talking to `ref`'s registry (its `/v2/` ping only) while an earlier candidate is tried. */
export function warmRegistry(ref: ImageReference, conf: RegistriesConf, ctx: PullContext): void {
  registryImage(ref, conf, ctx).then(
    (opener) => opener.warm(),
    () => undefined,
  );
}

/** The repository's tags (following pagination). */
export async function repositoryTags(repository: ImageReference, conf: RegistriesConf, ctx: PullContext): Promise<string[]> {
  return (await registryImage(repository, conf, ctx)).tags();
}
