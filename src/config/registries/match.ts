/** Choosing the `[[registry]]` table for an image name, with containers/image's prefix rules. */
import type { RegistriesConf, RegistryConfig } from './types.js';

/**
 * The length of `reference` matched by `prefix`, or -1. Past a plain prefix the reference must end
 * or continue with '/', '@' or ':' (so `example.com` matches `example.com/a`, `example.com:5000/a`
 * as containers/image also does, but not `example.community/a`). A `*.example.com` prefix matches any
 * subdomain of example.com within the host part, and the match ends after the host.
 */
export function prefixMatchLength(reference: string, prefix: string): number {
  if (prefix.startsWith('*.')) return subdomainMatchLength(reference, prefix.slice(1));
  if (!reference.startsWith(prefix)) return -1;
  return isBoundary(reference, prefix.length) ? prefix.length : -1;
}

function subdomainMatchLength(reference: string, dotSuffix: string): number {
  const index = reference.indexOf(dotSuffix);
  if (index === -1 || reference.slice(0, index).includes('/')) return -1;
  const end = index + dotSuffix.length;
  return isBoundary(reference, end) ? end : -1;
}

function isBoundary(reference: string, index: number): boolean {
  return index === reference.length || ['/', '@', ':'].includes(reference[index]!);
}

/** The table with the longest matching prefix (the first of equals), for a name that starts with its registry. */
export function findRegistry(conf: RegistriesConf, reference: string): RegistryConfig | undefined {
  let found: RegistryConfig | undefined;
  for (const registry of conf.registries) {
    if (prefixMatchLength(reference, registry.prefix) !== -1 && registry.prefix.length > (found?.prefix.length ?? 0)) {
      found = registry;
    }
  }
  return found;
}
