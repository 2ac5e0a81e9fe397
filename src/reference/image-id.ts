/**
 * An image ID is the hex of its config digest: 64 characters for sha256, 128 for sha512 (an image
 * whose config is addressed by sha512 is found by its whole ID too).
 */
const FULL_ID = /^(?:[a-f0-9]{64}|[a-f0-9]{128})$/;
const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

/**
 * 3 is the shortest prefix Podman's stack (buildah, CRI-O: minimumTruncatedIDLength) treats as a
 * possible truncated ID; shorter strings are too likely to be meant as names.
 */
const MIN_PREFIX = 3;

/** `[alg:]hex` split; `algorithm` undefined when none (or an unknown one) was written. */
function splitId(s: string): { algorithm: keyof typeof HEX_LENGTH | undefined; hex: string } | undefined {
  const colon = s.indexOf(':');
  if (colon === -1) return { algorithm: undefined, hex: s };
  const algorithm = s.slice(0, colon);
  return algorithm === 'sha256' || algorithm === 'sha512' ? { algorithm, hex: s.slice(colon + 1) } : undefined;
}

const isHex = (s: string) => /^[a-f0-9]*$/.test(s);

/**
 * The ID of the image whose config has digest `configDigest` (`sha256:<hex>` → `<hex>`): the one
 * rule by which the copier names what it stores and the store reads its records back.
 */
export function imageIdOf(configDigest: string): string {
  return configDigest.slice(configDigest.indexOf(':') + 1);
}

/** 64 or 128 lowercase hex */
export function isFullImageId(s: string): boolean {
  return FULL_ID.test(s);
}

/** 'sha256:<64hex>' or 'sha512:<128hex>' -> the hex; a bare 64- or 128-hex id returned as is; else undefined */
export function normalizeImageId(s: string): string | undefined {
  const id = splitId(s);
  if (id === undefined || !isHex(id.hex)) return undefined;
  if (id.algorithm !== undefined) return id.hex.length === HEX_LENGTH[id.algorithm] ? id.hex : undefined;
  return FULL_ID.test(id.hex) ? id.hex : undefined;
}

/**
 * Candidate for a unique short-ID prefix lookup: 3..64 lowercase hex, optionally after 'sha256:'
 * (3..128 after 'sha512:', or a whole bare sha512 ID).
 * Returns the hex prefix or undefined. Such a string may also be a valid short name (e.g. "abc");
 * the caller decides which interpretation wins.
 */
export function imageIdPrefix(s: string): string | undefined {
  const id = splitId(s);
  if (id === undefined || !isHex(id.hex) || id.hex.length < MIN_PREFIX) return undefined;
  // Bare: a sha256 ID's prefix, or a whole sha512 ID (a longer bare prefix would read as neither).
  const longest = id.algorithm === undefined ? HEX_LENGTH.sha256 : HEX_LENGTH[id.algorithm];
  return id.hex.length <= longest || (id.algorithm === undefined && id.hex.length === HEX_LENGTH.sha512) ? id.hex : undefined;
}
