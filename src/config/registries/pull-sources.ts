/** Where to pull an image from: mirrors, then the primary location, per its `[[registry]]` table. */
import { HoistError, quoted } from '../../errors.js';
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

/**
 * Replaces the part of `name` matched by the table's prefix with `location`. The result must be
 * canonical, as containers/image's rewriteReference demands (reference.ParseNamed): a full name
 * already, never one that parsing would normalize. A rewrite to `example.com@sha256:…` or
 * `internal.example.com:latest` would otherwise read as a short name and quietly go to Docker Hub.
 */
function rewrite(name: string, registry: RegistryConfig, location: string): ImageReference {
  const rewritten = location + name.slice(prefixMatchLength(name, registry.prefix));
  const failure = (reason: string, cause?: unknown) =>
    new HoistError(
      'INVALID_CONFIG',
      `rewriting reference ${quoted(name)} to ${quoted(rewritten)} (prefix ${quoted(registry.prefix)} in ${registry.file}): ${reason}`,
      {
        hint: `a location (or mirror location) must give full names: a registry host (with "." or ":", or localhost), then the whole repository path (library/ for Docker Hub's own images)`,
        ...(cause === undefined ? {} : { cause }),
      },
    );
  let reference: ImageReference;
  try {
    reference = parseReference(rewritten);
  } catch (err) {
    throw failure((err as Error).message, err);
  }
  if (formatReference(reference) !== rewritten) throw failure('repository name must be canonical');
  return reference;
}
