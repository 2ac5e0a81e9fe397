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
 * length, and a size that is a safe non-negative integer. `where` names the document for errors.
 */
export function validateDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== 'object' || value === null) {
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
    throw new HoistError('INVALID_MANIFEST', `${where}: descriptor ${d.digest} has an invalid platform (os and architecture must be strings, as variant if given)`);
  }
  return { ...(d as unknown as Descriptor), mediaType: (d.mediaType as string | undefined) ?? '' };
}

/** The image spec's platform: `os` and `architecture` strings, and `variant` a string if present. */
function isPlatform(value: unknown): value is Platform {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.os === 'string' && typeof p.architecture === 'string' && (p.variant === undefined || typeof p.variant === 'string');
}
