import { pullSources, type RegistriesConf } from '../config/registries/index.js';
import { HoistError, MultiError } from '../errors.js';
import { isCustomPlatform } from '../manifest/index.js';
import { formatReference, imageIdPrefix, normalizeImageId, parseReferenceParts, repositoryName, type ImageReference } from '../reference/index.js';
import { listTags } from '../transports/docker.js';
import { aliasCachePath, aliasToRecord, readAliasCache, recordAlias, resolveShortName, terminalPrompt, type Resolution } from '../shortnames/index.js';
import type { ImageRecord, LookupMatch } from '../store/index.js';
import { logPullEvent } from './events-log.js';
import type { PulledImage, PullPolicy } from './options.js';
import type { PullContext } from './pull-context.js';
import { accessFor, copyFromSources, remoteDigest } from './registry-sources.js';

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
 * The libimage algorithm (copySingleImageFromRegistry): look locally first, let the policy decide
 * whether the registry is asked at all, then try each short-name candidate in order.
 */
export async function copyFromRegistry(input: string, ctx: PullContext): Promise<PulledImage[]> {
  const conf = await ctx.registriesConf();
  const { store } = ctx;
  // A custom platform may differ from the local image's, so presence alone does not settle it.
  const policy: PullPolicy = ctx.policy === 'missing' && isCustomPlatform(ctx.options.platform ?? {}) ? 'newer' : ctx.policy;
  if (ctx.options.allTags) return pullAllTags(input, conf, policy, ctx);
  const match = await store.lookupMatch(input, conf.unqualifiedSearchRegistries);
  const local = match?.record;
  const present = async () => {
    await logPullEvent(ctx, { input, resolved: local!.names[0] ?? local!.id, result: 'present', id: local!.id });
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
  if (policy === 'missing' && local !== undefined && (await store.isComplete(local))) return present();
  return [await pullCandidates(input, await resolve(input, conf, ctx), conf, policy, ctx)];
}

async function resolve(input: string, conf: RegistriesConf, ctx: PullContext): Promise<Resolution & { cacheFile: string }> {
  const cacheFile = aliasCachePath({ env: ctx.env, ...(ctx.options.aliasCache !== undefined ? { file: ctx.options.aliasCache } : {}) });
  const isTTY = ctx.options.isTTY ?? (process.stdin.isTTY === true && process.stdout.isTTY === true);
  const resolution = await resolveShortName(input, {
    conf,
    aliasCache: await readAliasCache(cacheFile),
    isTTY,
    prompt: ctx.options.prompt ?? terminalPrompt({ input: process.stdin, output: process.stderr }),
  });
  if (resolution.description !== undefined) ctx.emit({ type: 'resolved', message: resolution.description });
  return { ...resolution, cacheFile };
}

async function pullCandidates(input: string, resolution: Resolution & { cacheFile: string }, conf: RegistriesConf, policy: PullPolicy, ctx: PullContext): Promise<PulledImage> {
  const errors: Error[] = [];
  for (const candidate of resolution.candidates) {
    const name = formatReference(candidate.reference);
    ctx.emit({ type: 'trying', reference: name });
    try {
      const { image, result } = await pullOne(candidate.reference, conf, policy, ctx);
      if (resolution.recordAliasOnSuccess) {
        const { name: alias, value } = aliasToRecord(resolution, candidate);
        const warning = await recordAlias(resolution.cacheFile, alias, value);
        if (warning !== undefined) ctx.emit({ type: 'warning', message: warning });
      }
      await logPullEvent(ctx, { input, resolved: name, result, id: image.id });
      return image;
    } catch (err) {
      if (ctx.options.signal?.aborted) throw err;
      errors.push(err as Error);
      await logPullEvent(ctx, { input, resolved: name, result: 'error', error: (err as Error).message });
    }
  }
  throw errors.length === 1 ? errors[0]! : new MultiError(errors);
}

/**
 * One candidate: `missing` keeps a complete local copy; `newer` asks for the digest with HEAD and
 * copies nothing when up to date; otherwise copy (stored blobs are skipped).
 */
async function pullOne(ref: ImageReference, conf: RegistriesConf, policy: PullPolicy, ctx: PullContext): Promise<{ image: PulledImage; result: 'pulled' | 'up-to-date' | 'present' }> {
  const name = formatReference(ref);
  const local = (await ctx.store.images()).find((r) => r.names.includes(name));
  const complete = local !== undefined && (await ctx.store.isComplete(local));
  if (policy === 'missing' && complete) return { image: pulledFrom(local), result: 'present' };
  if (policy === 'newer' && complete) {
    const digest = await remoteDigest(ref, conf, ctx);
    if (digest !== undefined && digest === (local.indexDigest ?? local.manifestDigest)) {
      return { image: pulledFrom(local), result: 'up-to-date' };
    }
  }
  if (local !== undefined) await ctx.store.discardDamagedBlobs(local);
  const { manifest: _manifest, ...copied } = await copyFromSources(ref, conf, ctx);
  const record = await ctx.store.commitImage(copied, [name]);
  ctx.emit({ type: 'copy-done', id: record.id });
  return { image: pulledFrom(record), result: 'pulled' };
}

/** `--all-tags`: every tag the repository lists (following pagination), each pulled under the policy. */
async function pullAllTags(input: string, conf: RegistriesConf, policy: PullPolicy, ctx: PullContext): Promise<PulledImage[]> {
  if (policy === 'never') throw new HoistError('INVALID_ARGUMENT', '--all-tags cannot be used with --policy=never');
  const parts = parseReferenceParts(input);
  if (parts.tag !== undefined || parts.digest !== undefined) {
    throw new HoistError('INVALID_ARGUMENT', `tag or digest can't be used with --all-tags: ${input}`);
  }
  const resolution = await resolve(input, conf, ctx);
  const errors: Error[] = [];
  for (const candidate of resolution.candidates) {
    const repository = { domain: candidate.reference.domain, path: candidate.reference.path };
    ctx.emit({ type: 'trying', reference: repositoryName(repository) });
    try {
      const sources = pullSources(conf, repository);
      const tags = await listTags(sources.at(-1)!.reference, accessFor(sources.at(-1)!, sources.at(-1)!, ctx));
      const pulled: PulledImage[] = [];
      for (const tag of tags) {
        const ref = { ...repository, tag };
        const { image, result } = await pullOne(ref, conf, policy, ctx);
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
