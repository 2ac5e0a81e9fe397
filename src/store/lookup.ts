import { HoistError } from '../errors.js';
import {
  formatReference,
  imageIdPrefix,
  normalizeImageId,
  parseReference,
  parseReferenceParts,
  repositoryName,
  withDefaultTag,
  type ImageReference,
} from '../reference/index.js';
import type { ImageRecord } from './records.js';

/**
 * The full names a local reference may stand for, in Podman's LookupImage order: a short name is
 * tried as `localhost/NAME`, then under each unqualified-search registry, then docker.io.
 */
export function localNameCandidates(input: string, searchRegistries: readonly string[]): ImageReference[] {
  const parts = parseReferenceParts(input);
  if (parts.domain !== undefined) return [withDefaultTag(parseReference(input))];
  const suffix = input;
  const domains = ['localhost', ...searchRegistries];
  const candidates = domains.map((domain) => withDefaultTag(parseReference(`${domain}/${suffix}`)));
  candidates.push(withDefaultTag(parseReference(input)));
  const byName = new Map<string, ImageReference>();
  for (const candidate of candidates) {
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
 * Finds an image by ID, unique ID prefix, full or short name, or `name@digest`. Returns undefined
 * when nothing matches; an ID prefix matching several images is an error.
 */
export function lookupImage(records: readonly ImageRecord[], input: string, searchRegistries: readonly string[] = []): LookupMatch | undefined {
  const id = normalizeImageId(input);
  if (id !== undefined) {
    const record = records.find((r) => r.id === id);
    return record === undefined ? undefined : { record };
  }
  let byName: ImageReference[] | undefined;
  try {
    byName = localNameCandidates(input, searchRegistries);
  } catch (err) {
    if (imageIdPrefix(input) === undefined) throw err;
  }
  for (const candidate of byName ?? []) {
    const found = findByReference(records, candidate);
    if (found !== undefined) return found;
  }
  const prefix = imageIdPrefix(input);
  if (prefix === undefined) return undefined;
  const matches = records.filter((r) => r.id.startsWith(prefix));
  if (matches.length > 1) {
    throw new HoistError('AMBIGUOUS_IMAGE', `short ID "${input}" is ambiguous: it matches ${matches.length} images`, {
      hint: 'give more characters of the image ID',
    });
  }
  return matches[0] === undefined ? undefined : { record: matches[0] };
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
