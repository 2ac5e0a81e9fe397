import { isDigestAlgorithm } from './digest.js';
import { formatReference, invalidReference, parseReference, parseReferenceParts, withDefaultTag } from './reference.js';

/**
 * The full name a locally given name gets, as Podman names tagged or imported images: a short name
 * goes under `localhost/` (never silently under docker.io), a full one is normalized, and `:latest`
 * is added when there is neither tag nor digest.
 *
 * A digest is refused (Podman: "tag by digest not supported"): `name@digest` must only ever mean
 * the manifest with that digest, and a name given to an image by `tag` or by an archive's own
 * list of names has no such proof. So is a short name whose repository is a digest algorithm:
 * `sha256:<hex>` would read as an image ID wherever names and IDs are both accepted (Docker
 * refuses it too).
 */
export function localImageName(input: string): string {
  const parts = parseReferenceParts(input);
  if (parts.digest !== undefined) throw invalidReference(input, 'tag by digest not supported');
  if (parts.domain === undefined && isDigestAlgorithm(parts.path)) {
    throw invalidReference(input, `a digest algorithm cannot be a repository name: ${parts.path}:… reads as an image ID`);
  }
  const qualified = parts.domain === undefined ? `localhost/${input}` : input;
  return formatReference(withDefaultTag(parseReference(qualified)));
}
