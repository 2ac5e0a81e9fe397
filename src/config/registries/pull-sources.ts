/** Where to pull an image from: mirrors, then the primary location, per its `[[registry]]` table. */
import { HoistError } from '../../errors.js';
import { formatReference, parseReference, type ImageReference } from '../../reference/index.js';
import { findRegistry, prefixMatchLength } from './match.js';
import type { MirrorConfig, RegistriesConf, RegistryConfig } from './types.js';

export interface PullSource {
  /** The reference to request, rewritten to the endpoint's location. */
  reference: ImageReference;
  insecure: boolean;
  mirror: boolean;
}

/**
 * The endpoints to try for `ref`, in order: the usable mirrors (a digest reference skips tag-only
 * mirrors and a tag reference skips digest-only ones), then the primary. A name no table matches
 * has one secure source, itself.
 */
export function pullSources(conf: RegistriesConf, ref: ImageReference): PullSource[] {
  const name = formatReference(ref);
  const registry = findRegistry(conf, name);
  if (registry === undefined) return [{ reference: ref, insecure: false, mirror: false }];
  if (registry.blocked) {
    throw new HoistError('BLOCKED_REGISTRY', `registry ${registry.prefix} is blocked in ${registry.file}`);
  }
  const byDigest = ref.digest !== undefined;
  const mirrors = registry.mirrors.filter((mirror) => isMirrorUsable(mirror, registry, byDigest));
  return [
    ...mirrors.map((mirror) => ({ reference: rewrite(name, registry, mirror.location), insecure: mirror.insecure, mirror: true })),
    // An empty location (wildcard prefix) means the name is used as written.
    { reference: registry.location === '' ? ref : rewrite(name, registry, registry.location), insecure: registry.insecure, mirror: false },
  ];
}

function isMirrorUsable(mirror: MirrorConfig, registry: RegistryConfig, byDigest: boolean): boolean {
  if (registry.mirrorByDigestOnly) return byDigest;
  if (mirror.pullFromMirror === 'digest-only') return byDigest;
  if (mirror.pullFromMirror === 'tag-only') return !byDigest;
  return true;
}

/** Replaces the part of `name` matched by the table's prefix with `location`. */
function rewrite(name: string, registry: RegistryConfig, location: string): ImageReference {
  const rewritten = location + name.slice(prefixMatchLength(name, registry.prefix));
  try {
    return parseReference(rewritten);
  } catch (err) {
    throw new HoistError(
      'INVALID_CONFIG',
      `rewriting reference "${name}" to "${rewritten}" (prefix "${registry.prefix}" in ${registry.file}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}
