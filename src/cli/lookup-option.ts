import type { Options } from 'yargs';
import { loadLocalSearch } from '../engine/index.js';
import type { LocalSearch } from '../store/index.js';
import { printWarning } from './output.js';

export interface LookupArgs {
  'registries-conf'?: string;
  'alias-cache'?: string;
}

/** The files a short name is resolved with, for `pull` and for every command that looks an image up. */
export const lookupOptions: Record<string, Options> = {
  'registries-conf': { type: 'string', describe: 'registries.conf to read instead of the default ones' },
  'alias-cache': { type: 'string', describe: 'short-name alias cache file' },
};

/** The local lookup's configuration, read as a pull reads it, its warnings printed. */
export async function localSearchFor(args: LookupArgs): Promise<LocalSearch> {
  const { search, warnings } = await loadLocalSearch({
    ...(args['registries-conf'] !== undefined ? { registriesConf: args['registries-conf'] } : {}),
    ...(args['alias-cache'] !== undefined ? { aliasCache: args['alias-cache'] } : {}),
  });
  warnings.forEach(printWarning);
  return search;
}
