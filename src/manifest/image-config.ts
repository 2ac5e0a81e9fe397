import { HoistError } from '../errors.js';
import { parseJsonObject } from '../untrusted-json.js';
import type { WantedPlatform } from './platform.js';

/** The parts of an OCI / Docker image config that hoist reads. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    Labels?: Record<string, string> | null;
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown>;
    [key: string]: unknown;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: unknown[];
}

const PLATFORM_FIELDS = ['os', 'architecture', 'variant'] as const;

/** The platform an image config says it is for ('' for a field it leaves out). */
export function configPlatform(config: ImageConfig): WantedPlatform {
  return { os: config.os ?? '', architecture: config.architecture ?? '', ...(config.variant ? { variant: config.variant } : {}) };
}

export function parseImageConfig(bytes: Buffer, where: string): ImageConfig {
  const doc = parseJsonObject(
    bytes,
    (p) =>
      new HoistError(
        'INVALID_MANIFEST',
        p.problem === 'syntax' ? `${where}: image config is not valid JSON: ${p.message}` : `${where}: image config is not a JSON object`,
      ),
  );
  // The platform fields decide which image this is: anything but a string there is refused here,
  // not met later by code that compares platforms.
  for (const field of PLATFORM_FIELDS) {
    const value = doc[field];
    if (value !== undefined && typeof value !== 'string') throw new HoistError('INVALID_MANIFEST', `${where}: image config field "${field}" is not a string`);
  }
  return doc as unknown as ImageConfig;
}
