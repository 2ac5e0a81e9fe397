import { HoistError, quoted } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Hex length per algorithm. Only what node:crypto can verify and the OCI spec registers. */
const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

const LOWER_HEX = /^[0-9a-f]+$/;

export function isDigestAlgorithm(s: string): s is DigestAlgorithm {
  return Object.hasOwn(HEX_LENGTH, s);
}

/** Why `digest` is invalid, or undefined. Checks in go-digest's order: algorithm, length, charset. */
function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0) return 'expected "<algorithm>:<hex>"';
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) return `unsupported digest algorithm ${quoted(algorithm)}`;
  const want = HEX_LENGTH[algorithm];
  if (hex.length !== want) return `${algorithm} digest must have ${want} hex characters, got ${hex.length}`;
  if (!LOWER_HEX.test(hex)) return 'digest hex must be lowercase hexadecimal';
  return undefined;
}

/** Throws HoistError('INVALID_DIGEST') naming the input. */
export function parseDigest(digest: string): ParsedDigest {
  const problem = digestProblem(digest);
  if (problem !== undefined) throw new HoistError('INVALID_DIGEST', `invalid digest ${quoted(digest)}: ${problem}`);
  const colon = digest.indexOf(':');
  return { algorithm: digest.slice(0, colon) as DigestAlgorithm, hex: digest.slice(colon + 1) };
}

export function isValidDigest(digest: string): boolean {
  return digestProblem(digest) === undefined;
}
