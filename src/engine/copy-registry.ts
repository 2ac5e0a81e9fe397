import type { RegistriesConf } from '../config/registries/index.js';
import { HoistError, isHoistError, MultiError } from '../errors.js';
import { isCustomPlatform, samePlatform, wantedPlatform } from '../manifest/index.js';
import { formatReference, imageIdPrefix, normalizeImageId, parseReference, parseReferenceParts, type ImageReference } from '../reference/index.js';
import { aliasToRecord, readAliasCache, recordAlias, resolveShortName, type Resolution } from '../shortnames/index.js';
import type { ImageRecord, LookupMatch } from '../store/index.js';
import { logPullEvent } from './events-log.js';
import { aliasCacheFile } from './local-search.js';
import type { PulledImage, PullPolicy } from './options.js';
import type { PullContext } from './pull-context.js';
import { copyFromSources, remoteDigest, repositoryTags, warmRegistry } from './registry-sources.js';

function pulledFrom(record: ImageRecord): PulledImage {
  return { id: record.id, names: record.names, manifestDigest: record.manifestDigest };
}

/** ID references (a full or `sha256:` ID, or an ID prefix that matched by ID) never reach a registry. */
function isIdReference(input: string, match: LookupMatch | undefined): boolean {
  if (normalizeImageId(input) !== undefined) return true;
  const prefix = imageIdPrefix(input);
  return match !== undefined && match.name === undefined && prefix !== undefined && match.record.id.startsWith(prefix);
}

/**
 * Whether a record stored under `name` is the image `name` means. A digest name (`repo@sha256:D`)
 * means only the manifest D, or an image chosen from the index D; a store written before `tag` and
 * archives refused digest names may hold one on other content, which therefore counts as absent.
 */
function storedAs(record: ImageRecord, name: string): boolean {
  const { digest } = parseReference(name);
  return digest === undefined || record.manifestDigest === digest || record.indexDigests[name] === digest;
}

/** Errors already in the events log (a candidate's failure is logged with the candidate's name). */
const logged = new WeakSet<object>();

/**
 * The libimage algorithm (copySingleImageFromRegistry): look locally first, let the policy decide
 * whether the registry is asked at all, then try each short-name candidate in order. Every failure
 * ends up in the events log as a `pull-error`.
 */
export async function copyFromRegistry(input: string, ctx: PullContext): Promise<PulledImage[]> {
  try {
    return await decideAndCopy(input, ctx);
  } catch (err) {
    if (!ctx.options.signal?.aborted && !logged.has(err as object)) {
      await logPullEvent(ctx, { input, resolved: input, result: 'error', error: (err as Error).message });
    }
    throw err;
  }
}

async function decideAndCopy(input: string, ctx: PullContext): Promise<PulledImage[]> {
  const conf = await ctx.registriesConf();
  const { store } = ctx;
  // A custom platform may differ from the local image's, so presence alone does not settle it.
  const customPlatform = isCustomPlatform(ctx.options.platform ?? {});
  const policy: PullPolicy = ctx.policy === 'missing' && customPlatform ? 'newer' : ctx.policy;
  if (ctx.options.allTags) return pullAllTags(input, conf, policy, ctx);
  // The lookup every command makes (aliases, localhost/, search registries, docker.io, IDs).
  const found = await store.lookupMatch(input, await ctx.localSearch());
  const match = found?.name !== undefined && !storedAs(found.record, found.name) ? undefined : found;
  const local = match?.record;
  const present = async () => {
    await logPullEvent(ctx, { input, resolved: match!.name ?? local!.names[0] ?? local!.id, result: 'present', id: local!.id });
    return [pulledFrom(local!)];
  };

  if (isIdReference(input, match)) {
    if (local === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`);
    if (policy === 'always') {
      throw new HoistError('INVALID_ARGUMENT', `${input} refers to an image by ID, which cannot be pulled from a registry`, {
        hint: 'use --policy=missing to accept the local image',
      });
    }
    return present();
  }
  if (policy === 'never') {
    if (local !== undefined) return present();
    throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`, { hint: 'the pull policy is "never", so no registry was asked' });
  }
  const complete = local !== undefined && (await store.isComplete(local));
  if (policy === 'missing' && complete) return present();
  // As libimage (buildah#2904): a name that found a sound local image is pulled under that image's
  // name, so `pull --policy=newer foo` asks the registry foo came from, not the first search one.
  // Not for a custom platform: the local image may be another platform's.
  const useLocal = complete && !customPlatform;
  const name = useLocal ? (match!.name ?? input) : input;
  try {
    return [await pullCandidates(input, await resolve(name, conf, ctx), conf, policy, ctx)];
  } catch (err) {
    // As libimage: `newer` keeps the local image when the registry cannot tell or serve a newer one.
    // Not when the trust policy refused the newer image: the tag now names an image the user's
    // policy rejects, which a script must hear about as a failure, not as a warning.
    if (policy !== 'newer' || !useLocal || ctx.options.signal?.aborted || refusedByPolicy(err)) throw err;
    ctx.emit({
      type: 'warning',
      code: 'NEWER_CHECK_FAILED',
      message: `cannot check ${name} for a newer image; using the local image: ${(err as Error).message}`,
    });
    return present();
  }
}

function refusedByPolicy(err: unknown): boolean {
  return isHoistError(err, 'POLICY_REJECTED') || (err instanceof MultiError && err.errors.some(refusedByPolicy));
}

async function resolve(input: string, conf: RegistriesConf, ctx: PullContext): Promise<Resolution & { cacheFile: string }> {
  const cacheFile = aliasCacheFile(ctx.options, ctx.env);
  // No prompt unless the caller passes one (the CLI passes the terminal's): a library pull must
  // never take over the host program's stdin.
  const { prompt } = ctx.options;
  const resolution = await resolveShortName(input, {
    conf,
    aliasCache: await readAliasCache(cacheFile),
    isTTY: prompt !== undefined && (ctx.options.isTTY ?? true),
    ...(prompt !== undefined ? { prompt } : {}),
  });
  return { ...resolution, cacheFile };
}

/**
 * What a pull prints before it copies: the resolution's description once, then `Trying to pull`
 * per reference. As in Podman, nothing is printed for a candidate that is not copied (up to date).
 */
function announcer(resolution: Resolution, ctx: PullContext): (ref: ImageReference) => void {
  let described = resolution.description === undefined;
  return (ref) => {
    if (!described) ctx.emit({ type: 'resolved', message: resolution.description! });
    described = true;
    ctx.emit({ type: 'trying', reference: formatReference(ref) });
  };
}

async function pullCandidates(
  input: string,
  resolution: Resolution & { cacheFile: string },
  conf: RegistriesConf,
  policy: PullPolicy,
  ctx: PullContext,
): Promise<PulledImage> {
  const errors: Error[] = [];
  const announce = announcer(resolution, ctx);
  for (const [i, candidate] of resolution.candidates.entries()) {
    const name = formatReference(candidate.reference);
    // The next candidate's registry is pinged while this one is tried: where the first search
    // registry lacks the image, the second is then ready (its TLS handshake and ping done). Only
    // the next one, and only its `/v2/`: no image name goes to a registry before it is needed.
    const next = resolution.candidates[i + 1];
    if (next !== undefined) warmRegistry(next.reference, conf, ctx);
    try {
      const { image, result } = await pullOne(candidate.reference, conf, policy, ctx, announce);
      if (resolution.recordAliasOnSuccess) {
        const { name: alias, value } = aliasToRecord(resolution, candidate);
        const warning = await recordAlias(resolution.cacheFile, alias, value);
        if (warning !== undefined) ctx.emit({ type: 'warning', code: 'ALIAS_NOT_RECORDED', message: warning });
      }
      await logPullEvent(ctx, { input, resolved: name, result, id: image.id });
      return image;
    } catch (err) {
      if (ctx.options.signal?.aborted) throw err;
      errors.push(err as Error);
      await logPullEvent(ctx, { input, resolved: name, result: 'error', error: (err as Error).message });
    }
  }
  const failure = errors.length === 1 ? errors[0]! : new MultiError(errors);
  logged.add(failure);
  throw failure;
}

/**
 * One candidate: `missing` keeps a complete local copy; `newer` asks for the digest with HEAD and
 * copies nothing when up to date; otherwise copy (stored blobs are skipped).
 */
async function pullOne(
  ref: ImageReference,
  conf: RegistriesConf,
  policy: PullPolicy,
  ctx: PullContext,
  announce: (ref: ImageReference) => void,
): Promise<{ image: PulledImage; result: 'pulled' | 'up-to-date' | 'present' }> {
  const name = formatReference(ref);
  const local = (await ctx.store.images()).find((r) => r.names.includes(name) && storedAs(r, name));
  const complete = local !== undefined && (await ctx.store.isComplete(local));
  if (policy === 'missing' && complete) return { image: pulledFrom(local), result: 'present' };
  if (policy === 'newer' && complete && isWantedInstance(local, name, ctx)) {
    const digest = await remoteDigest(ref, conf, ctx);
    if (digest !== undefined && digest === (local.indexDigests[name] ?? local.manifestDigest)) {
      return { image: pulledFrom(local), result: 'up-to-date' };
    }
  }
  announce(ref);
  // A damaged local copy (blobs missing or of the wrong size) is fetched again, not reused.
  if (local !== undefined && !complete) await ctx.store.discardDamagedBlobs(local);
  // Blobs will come unless a complete copy is stored: `always` on an unchanged image reads none;
  // `newer` gets here only when the digest changed, and a changed image brings new layers.
  const record = await copyFromSources(ref, conf, ctx, { blobsExpected: !complete || policy === 'newer' });
  ctx.emit({ type: 'copy-done', id: record.id });
  return { image: pulledFrom(record), result: 'pulled' };
}

/**
 * An image chosen from an index is the one wanted only if it is for the wanted platform: an
 * unchanged index digest says nothing about a local instance of another platform.
 */
function isWantedInstance(local: ImageRecord, name: string, ctx: PullContext): boolean {
  if (local.indexDigests[name] === undefined) return true;
  return local.platform !== undefined && samePlatform(local.platform, wantedPlatform(ctx.options.platform ?? {}));
}

/** `--all-tags`: every tag the repository lists (following pagination), each pulled under the policy. */
async function pullAllTags(input: string, conf: RegistriesConf, policy: PullPolicy, ctx: PullContext): Promise<PulledImage[]> {
  if (policy === 'never') throw new HoistError('INVALID_ARGUMENT', '--all-tags cannot be used with --policy=never');
  const parts = parseReferenceParts(input);
  if (parts.tag !== undefined || parts.digest !== undefined) {
    throw new HoistError('INVALID_ARGUMENT', `tag or digest can't be used with --all-tags: ${input}`);
  }
  const resolution = await resolve(input, conf, ctx);
  const announce = announcer(resolution, ctx);
  const errors: Error[] = [];
  for (const candidate of resolution.candidates) {
    const repository = { domain: candidate.reference.domain, path: candidate.reference.path };
    try {
      const tags = await repositoryTags(repository, conf, ctx);
      const pulled: PulledImage[] = [];
      for (const tag of tags) {
        const ref = { ...repository, tag };
        const { image, result } = await pullOne(ref, conf, policy, ctx, announce);
        await logPullEvent(ctx, { input, resolved: formatReference(ref), result, id: image.id });
        pulled.push(image);
      }
      return pulled;
    } catch (err) {
      if (ctx.options.signal?.aborted) throw err;
      errors.push(err as Error);
    }
  }
  throw errors.length === 1 ? errors[0]! : new MultiError(errors);
}
