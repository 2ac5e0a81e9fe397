const FULL_ID = /^[a-f0-9]{64}$/;

/**
 * 3 is the shortest prefix Podman's stack (buildah, CRI-O: minimumTruncatedIDLength) treats as a
 * possible truncated ID; shorter strings are too likely to be meant as names.
 */
const ID_PREFIX = /^[a-f0-9]{3,64}$/;

const SHA256_PREFIX = 'sha256:';

function stripAlgorithm(s: string): string {
  return s.startsWith(SHA256_PREFIX) ? s.slice(SHA256_PREFIX.length) : s;
}

/** 64 lowercase hex */
export function isFullImageId(s: string): boolean {
  return FULL_ID.test(s);
}

/** 'sha256:<64hex>' -> '<64hex>'; a bare 64-hex id returned as is; else undefined */
export function normalizeImageId(s: string): string | undefined {
  const hex = stripAlgorithm(s);
  return FULL_ID.test(hex) ? hex : undefined;
}

/**
 * Candidate for a unique short-ID prefix lookup: 3..64 lowercase hex, optionally after 'sha256:'.
 * Returns the hex prefix or undefined. Such a string may also be a valid short name (e.g. "abc");
 * the caller decides which interpretation wins.
 */
export function imageIdPrefix(s: string): string | undefined {
  const hex = stripAlgorithm(s);
  return ID_PREFIX.test(hex) ? hex : undefined;
}
