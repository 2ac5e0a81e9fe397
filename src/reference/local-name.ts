import { parseReference, parseReferenceParts, withDefaultTag, formatReference } from './reference.js';

/**
 * The full name a locally given name gets, as Podman names tagged or imported images: a short name
 * goes under `localhost/` (never silently under docker.io), a full one is normalized, and `:latest`
 * is added when there is neither tag nor digest.
 */
export function localImageName(input: string): string {
  const qualified = parseReferenceParts(input).domain === undefined ? `localhost/${input}` : input;
  return formatReference(withDefaultTag(parseReference(qualified)));
}
