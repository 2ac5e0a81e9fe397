/**
 * The checks and normalization containers/image applies to each registries.conf file
 * (postProcessRegistries and loadConfigFile), with its messages, each pointing at its key.
 */
import { quoted } from '../../errors.js';
import type { ConfigDiagnostics } from '../diagnostics.js';
import { checkAlias } from './aliases.js';
import type { DecodedMirror, DecodedRegistry, DecodedV2 } from './decode.js';
import { normalizeLocation } from './location.js';
import type { AliasEntry, ConfLayer, MirrorConfig, PullFromMirror, RegistryConfig, ShortNameMode } from './types.js';

const SHORT_NAME_MODES: readonly string[] = ['enforcing', 'permissive', 'disabled'] satisfies ShortNameMode[];
const PULL_FROM_MIRROR: readonly string[] = ['all', 'digest-only', 'tag-only'] satisfies PullFromMirror[];

// distribution/reference's DomainRegexp: host[:port], the host a DNS name or a bracketed IPv6 address.
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
// containers/image matches a wildcard only as the whole first label (`*.example.com`) and refuses a
// port or path after it; a '*' anywhere else could never match a name, so it is refused too rather
// than left to lie unused.
const WILDCARD_PREFIX = new RegExp(`^\\*(?:\\.${DOMAIN_LABEL})+$`);

interface CheckedRegistry {
  config: RegistryConfig;
  decoded: DecodedRegistry;
}

export function validateFile(decoded: DecodedV2, diag: ConfigDiagnostics): ConfLayer {
  const registries = decoded.registries.map((registry) => ({ config: checkRegistry(registry, diag), decoded: registry }));
  checkConflicts(registries, diag);
  const layer: ConfLayer = {
    file: diag.file,
    aliases: checkAliases(decoded.aliases, diag),
    registries: onePerPrefix(registries, diag),
    warnings: diag.warnings,
  };
  if (decoded.unqualifiedSearchRegistries !== undefined) {
    layer.unqualifiedSearchRegistries = checkSearchRegistries(decoded.unqualifiedSearchRegistries, decoded, diag);
  }
  if (decoded.shortNameMode !== undefined && decoded.shortNameMode !== '') {
    if (!SHORT_NAME_MODES.includes(decoded.shortNameMode)) {
      throw diag.error(['short-name-mode'], `invalid short-name mode: ${JSON.stringify(decoded.shortNameMode)}`);
    }
    layer.shortNameMode = decoded.shortNameMode as ShortNameMode;
  }
  if (decoded.credentialHelpers !== undefined) layer.credentialHelpers = decoded.credentialHelpers;
  return layer;
}

function checkRegistry(registry: DecodedRegistry, diag: ConfigDiagnostics): RegistryConfig {
  const at = (key: string) => [...registry.path, key];
  const location = normalizeLocation(diag, at('location'), registry.location);
  let prefix: string;
  if (registry.prefix === '') {
    if (location === '') throw diag.error(registry.path, 'invalid condition: both location and prefix are unset');
    prefix = location;
  } else {
    prefix = normalizeLocation(diag, at('prefix'), registry.prefix);
    if (!prefix.startsWith('*.') && location === '') {
      throw diag.error(at('prefix'), 'invalid condition: location is unset and prefix is not in the format: *.example.com');
    }
  }
  if (prefix.includes('*') && !WILDCARD_PREFIX.test(prefix)) {
    throw diag.error(at('prefix'), `Wildcarded prefix should be in the format: *.example.com. Current prefix ${quoted(prefix)} is incorrectly formatted`);
  }
  if (registry.pullFromMirror !== '') {
    throw diag.error(at('pull-from-mirror'), `pull-from-mirror must not be set for a non-mirror registry ${JSON.stringify(prefix)}`);
  }
  return {
    prefix,
    location,
    insecure: registry.insecure,
    blocked: registry.blocked,
    mirrorByDigestOnly: registry.mirrorByDigestOnly,
    mirrors: registry.mirrors.map((mirror) => checkMirror(mirror, registry.mirrorByDigestOnly, prefix, diag)),
    file: diag.file,
  };
}

function checkMirror(mirror: DecodedMirror, mirrorByDigestOnly: boolean, prefix: string, diag: ConfigDiagnostics): MirrorConfig {
  const location = normalizeLocation(diag, [...mirror.path, 'location'], mirror.location);
  if (location === '') throw diag.error(mirror.path, 'invalid condition: mirror location is unset');
  const pullFromMirrorPath = [...mirror.path, 'pull-from-mirror'];
  if (mirrorByDigestOnly && mirror.pullFromMirror !== '') {
    throw diag.error(
      pullFromMirrorPath,
      `cannot set mirror usage mirror-by-digest-only for the registry (${JSON.stringify(prefix)}) and pull-from-mirror for per-mirror (${JSON.stringify(location)}) at the same time`,
    );
  }
  if (mirror.pullFromMirror !== '' && !PULL_FROM_MIRROR.includes(mirror.pullFromMirror)) {
    throw diag.error(pullFromMirrorPath, `unsupported pull-from-mirror value ${JSON.stringify(mirror.pullFromMirror)} for mirror ${JSON.stringify(location)}`);
  }
  return { location, insecure: mirror.insecure, pullFromMirror: (mirror.pullFromMirror || 'all') as PullFromMirror };
}

/** Tables for one location (e.g. several prefixes backed by it) must agree on `insecure` and `blocked`. */
function checkConflicts(registries: CheckedRegistry[], diag: ConfigDiagnostics): void {
  const groupKey = (r: RegistryConfig) => r.location || r.prefix;
  for (const { config, decoded } of registries) {
    for (const { config: other } of registries.filter((r) => groupKey(r.config) === groupKey(config))) {
      for (const setting of ['insecure', 'blocked'] as const) {
        if (config[setting] !== other[setting]) {
          throw diag.error([...decoded.path, setting], `registry '${config.location}' is defined multiple times with conflicting '${setting}' setting`);
        }
      }
    }
  }
}

/** The first table of a prefix wins within a file, as in containers/image; later ones are reported. */
function onePerPrefix(registries: CheckedRegistry[], diag: ConfigDiagnostics): RegistryConfig[] {
  const byPrefix = new Map<string, RegistryConfig>();
  for (const { config, decoded } of registries) {
    if (byPrefix.has(config.prefix)) {
      diag.warn(decoded.path, `[[registry]] prefix ${JSON.stringify(config.prefix)} is already defined in this file; this table is ignored`);
    } else {
      byPrefix.set(config.prefix, config);
    }
  }
  return [...byPrefix.values()].sort(byPrefixOrder);
}

export function byPrefixOrder(a: RegistryConfig, b: RegistryConfig): number {
  return a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0;
}

function checkSearchRegistries(entries: string[], decoded: DecodedV2, diag: ConfigDiagnostics): string[] {
  return entries.map((entry, i) => {
    const path = [...decoded.unqualifiedSearchRegistriesPath, i];
    const registry = normalizeLocation(diag, path, entry);
    if (!DOMAIN.test(registry)) throw diag.error(path, `Invalid unqualified-search-registries entry ${JSON.stringify(registry)}`);
    return registry;
  });
}

/** Every malformed alias is reported at once, so fixing them is not a whack-a-mole. */
function checkAliases(aliases: Map<string, string> | undefined, diag: ConfigDiagnostics): Map<string, AliasEntry> {
  const checked = new Map<string, AliasEntry>();
  const problems: string[] = [];
  for (const [name, value] of aliases ?? []) {
    const result = checkAlias(name, value);
    problems.push(...result.problems.map((problem) => diag.describe(['aliases', name], problem)));
    checked.set(name, { value: result.value, file: diag.file });
  }
  if (problems.length > 0) throw diag.errorFrom(problems);
  return checked;
}
