/** The deprecated v1 format, converted to v2 as containers/image's ConvertToV2 does. */
import type { ConfigDiagnostics } from '../diagnostics.js';
import type { DecodedRegistry, DecodedV1, DecodedV2 } from './decode.js';
import { normalizeLocation } from './location.js';

export function convertV1(v1: DecodedV1, diag: ConfigDiagnostics): DecodedV2 {
  // One [[registry]] per location, in order of first mention, so the result is deterministic.
  const byLocation = new Map<string, DecodedRegistry>();
  const mark = (list: 'block' | 'insecure', flag: 'blocked' | 'insecure'): void => {
    (v1[list] ?? []).forEach((entry, i) => {
      const path = ['registries', list, 'registries', i];
      const location = normalizeLocation(diag, path, entry);
      const registry = byLocation.get(location) ?? {
        prefix: location,
        location,
        insecure: false,
        blocked: false,
        mirrorByDigestOnly: false,
        pullFromMirror: '',
        mirrors: [],
        path,
      };
      registry[flag] = true;
      byLocation.set(location, registry);
    });
  };
  mark('block', 'blocked');
  mark('insecure', 'insecure');
  return {
    unqualifiedSearchRegistries: v1.search,
    unqualifiedSearchRegistriesPath: ['registries', 'search', 'registries'],
    registries: [...byLocation.values()],
  };
}
