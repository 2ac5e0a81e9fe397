import { HoistError } from '../errors.js';
import {
  formatReference,
  imageIdPrefix,
  isShortName,
  normalizeImageId,
  parseReference,
  parseReferenceParts,
  repositoryName,
  withDefaultTag,
  type ImageReference,
} from '../reference/index.js';
import type { ImageRecord } from './records.js';

/**
 * What a short name may stand for in the store, from registries.conf and the short-name alias
 * cache: the same configuration a pull resolves short names with, so that every command finds an
 * image under the name it was pulled by. Plain data, so the store reads no configuration itself;
 * `loadLocalSearch` (engine) builds it from the files.
 */
export interface LocalSearch {
  /** Short name as written, without tag or digest → `domain/path`: the alias cache's entries over registries.conf's. */
  aliases?: ReadonlyMap<string, string>;
  /** `unqualified-search-registries`, in order. */
  searchRegistries?: readonly string[];
}

/**
 * The full names a local reference may stand for, in the order of Podman's LookupImage
 * (containers/image shortnames.ResolveLocally, then docker.io): a full name is itself; a short
 * name is its alias (tag and digest carried over), `localhost/NAME`, NAME under each
 * unqualified-search registry, then docker.io.
 */
export function localNameCandidates(input: string, search: LocalSearch = {}): ImageReference[] {
  if (!isShortName(input)) return [withDefaultTag(parseReference(input))];
  const parts = parseReferenceParts(input);
  const suffix = (parts.tag !== undefined ? `:${parts.tag}` : '') + (parts.digest !== undefined ? `@${parts.digest}` : '');
  const alias = search.aliases?.get(parts.path);
  const names = [
    ...(alias === undefined ? [] : [alias + suffix]),
    ...['localhost', ...(search.searchRegistries ?? [])].map((domain) => `${domain}/${input}`),
    input,
  ];
  const byName = new Map<string, ImageReference>();
  for (const name of names) {
    const candidate = withDefaultTag(parseReference(name));
    const key = formatReference(candidate);
    if (!byName.has(key)) byName.set(key, candidate);
  }
  return [...byName.values()];
}

export interface LookupMatch {
  record: ImageRecord;
  /** The stored name the input matched; undefined when it matched by ID or digest. */
  name?: string;
}

/**
 * Finds an image as Podman's LookupImage does: a full ID (or `sha256:` ID) by ID only; else each
 * name candidate in order (`name@digest` too); else a unique ID prefix; else, for a short name
 * with no digest, a stored name that ends in `/NAME:TAG` (libimage's repo-tags match, so `app:1`
 * finds `quay.io/org/app:1`). Undefined when nothing matches; an ID prefix matching several
 * images is an error (Podman says "image not known"; hoist says why).
 */
export function lookupImage(records: readonly ImageRecord[], input: string, search: LocalSearch = {}): LookupMatch | undefined {
  const id = normalizeImageId(input);
  if (id !== undefined) {
    const record = records.find((r) => r.id === id);
    return record === undefined ? undefined : { record };
  }
  let byName: ImageReference[] | undefined;
  try {
    byName = localNameCandidates(input, search);
  } catch (err) {
    if (imageIdPrefix(input) === undefined) throw err;
  }
  for (const candidate of byName ?? []) {
    const found = findByReference(records, candidate);
    if (found !== undefined) return found;
  }
  const prefix = imageIdPrefix(input);
  const byId = prefix === undefined ? undefined : findByIdPrefix(records, input, prefix);
  if (byId !== undefined || byName === undefined) return byId;
  return findByRepoTag(records, input);
}

/** A unique ID prefix; several records of one ID (one image stored from two manifests) are one image. */
function findByIdPrefix(records: readonly ImageRecord[], input: string, prefix: string): LookupMatch | undefined {
  const matches = records.filter((r) => r.id.startsWith(prefix));
  const ids = new Set(matches.map((r) => r.id));
  if (ids.size > 1) {
    throw new HoistError('AMBIGUOUS_IMAGE', `short ID "${input}" is ambiguous: it matches ${ids.size} images`, {
      hint: 'give more characters of the image ID',
    });
  }
  return matches[0] === undefined ? undefined : { record: matches[0] };
}

/** libimage's inRepoTags: a short `[PATH/]NAME[:TAG]` matches a stored name ending in `/PATH/NAME:TAG`. */
function findByRepoTag(records: readonly ImageRecord[], input: string): LookupMatch | undefined {
  const parts = parseReferenceParts(input);
  if (!isShortName(input) || parts.digest !== undefined) return undefined;
  const wanted = `/${parts.path}:${parts.tag ?? 'latest'}`;
  for (const record of records) {
    const name = record.names.find((n) => n.endsWith(wanted));
    if (name !== undefined) return { record, name };
  }
  return undefined;
}

function findByReference(records: readonly ImageRecord[], ref: ImageReference): LookupMatch | undefined {
  const full = formatReference(ref);
  const exact = records.find((r) => r.names.includes(full));
  if (exact !== undefined) return { record: exact, name: full };
  if (ref.digest === undefined) return undefined;
  const repo = repositoryName(ref);
  // `repo@digest`: a name of that repository whose manifest, or whose own index, has the digest.
  const record = records.find((r) =>
    r.names.some((n) => repositoryName(parseReference(n)) === repo && (r.manifestDigest === ref.digest || r.indexDigests[n] === ref.digest)),
  );
  return record === undefined ? undefined : { record };
}
