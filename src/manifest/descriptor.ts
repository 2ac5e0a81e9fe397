import { HoistError } from '../errors.js';
import { parseDigest } from '../reference/index.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

/**
 * Validates a descriptor taken from untrusted JSON: a known digest algorithm with the right hex
 * length, a size that is a safe non-negative integer, and the optional fields of the types the
 * image spec gives them (code that reads a ref name or compares platforms then cannot meet a
 * number or a list). `where` names the document for errors.
 */
export function validateDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor is not an object`);
  }
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' && d.mediaType !== undefined) {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor mediaType is not a string`);
  }
  if (typeof d.digest !== 'string') {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor has no digest`);
  }
  try {
    parseDigest(d.digest);
  } catch (err) {
    throw new HoistError('INVALID_MANIFEST', `${where}: ${(err as Error).message}`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor ${d.digest} has an invalid size`);
  }
  if (d.platform !== undefined && !isPlatform(d.platform)) {
    throw new HoistError(
      'INVALID_MANIFEST',
      `${where}: descriptor ${d.digest} has an invalid platform (os and architecture must be strings, as variant and os.version if given; os.features a list of strings)`,
    );
  }
  if (d.annotations !== undefined && !isStringMap(d.annotations)) {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor ${d.digest} has invalid annotations (an object of strings)`);
  }
  if (d.urls !== undefined && !isStringList(d.urls)) {
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor ${d.digest} has invalid urls (a list of strings)`);
  }
  return { ...(d as unknown as Descriptor), mediaType: (d.mediaType as string | undefined) ?? '' };
}

/** The image spec's platform: `os` and `architecture` strings; `variant` and `os.version` strings and `os.features` strings if present. */
function isPlatform(value: unknown): value is Platform {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  return (
    typeof p.os === 'string' &&
    typeof p.architecture === 'string' &&
    optionalString(p.variant) &&
    optionalString(p['os.version']) &&
    (p['os.features'] === undefined || isStringList(p['os.features']))
  );
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');
}
