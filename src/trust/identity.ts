import type { SignedIdentity } from '../config/policy/index.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from '../reference/index.js';

/**
 * Whether a signature's claimed `docker-reference` is acceptable for the image under the policy's
 * signedIdentity (containers/image signature/policy_reference_match.go). `image` is the logical
 * reference the user pulled (after short-name resolution), undefined for transports that have no
 * Docker identity (oci:, dir:, archives): only exactReference and exactRepository can match those.
 */
export function identityMatches(rule: SignedIdentity, image: ImageReference | undefined, signedReference: string): boolean {
  const signed = parseSigned(signedReference);
  if (signed === undefined) return false;
  switch (rule.type) {
    case 'matchExact':
      return image !== undefined && exactMatch(image, signed);
    case 'matchRepoDigestOrExact':
      return image !== undefined && repoDigestOrExact(image, signed);
    case 'matchRepository':
      return image !== undefined && repositoryName(image) === repositoryName(signed);
    case 'exactReference': {
      const intended = parseReference(rule.dockerReference);
      return exactMatch(intended, signed);
    }
    case 'exactRepository':
      return repositoryName(parseReference(rule.dockerRepository)) === repositoryName(signed);
    case 'remapIdentity': {
      if (image === undefined) return false;
      const remapped = remap(image, rule.prefix, rule.signedPrefix);
      return repoDigestOrExact(remapped ?? image, signed);
    }
  }
}

/** A signed reference that does not parse matches nothing (it is the signer's data, not ours). */
function parseSigned(text: string): ImageReference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

const nameOnly = (ref: ImageReference) => ref.tag === undefined && ref.digest === undefined;

function exactMatch(a: ImageReference, b: ImageReference): boolean {
  return !nameOnly(a) && !nameOnly(b) && formatReference(a) === formatReference(b);
}

/**
 * A tagged image needs a signature for exactly that tag; an image pulled by digest only needs the
 * repository to match, because the digest itself was verified against the manifest.
 */
function repoDigestOrExact(image: ImageReference, signed: ImageReference): boolean {
  if (nameOnly(signed)) return false;
  if (image.digest !== undefined && image.tag === undefined) return repositoryName(image) === repositoryName(signed);
  return exactMatch(image, signed);
}

/**
 * `prefix` → `signedPrefix` once, when the image's repository is the prefix or lies below it
 * (`prefix/…`); undefined when it does not apply. Prefixes were validated when the policy was read.
 */
function remap(image: ImageReference, prefix: string, signedPrefix: string): ImageReference | undefined {
  const name = repositoryName(image);
  if (name !== prefix && !name.startsWith(`${prefix}/`)) return undefined;
  const suffix = (image.tag !== undefined ? `:${image.tag}` : '') + (image.digest !== undefined ? `@${image.digest}` : '');
  return parseSigned(signedPrefix + name.slice(prefix.length) + suffix);
}
