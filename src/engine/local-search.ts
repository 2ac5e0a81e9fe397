import { join } from 'node:path';
import type { AliasEntry, LoadRegistriesConfOptions, RegistriesConf } from '../config/registries/index.js';
import { loadRegistriesConf } from '../config/registries/index.js';
import { shippedConfDir } from '../config/shipped.js';
import { aliasCachePath, readAliasCache } from '../shortnames/index.js';
import type { LocalSearch } from '../store/index.js';

export interface LocalSearchOptions {
  /** `--registries-conf`: the only registries.conf read. */
  registriesConf?: string;
  /** `--alias-cache`: the short-name alias cache file. */
  aliasCache?: string;
  /** Environment for config lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The short-name configuration a local lookup uses (`ImageStore.lookup`, `inspect`, `tag`,
 * `remove`), read from the files a pull reads: registries.conf (+ `.d`) and the alias cache.
 * Warnings of the configuration (unknown keys and the like) come back beside it.
 */
export async function loadLocalSearch(options: LocalSearchOptions = {}): Promise<{ search: LocalSearch; warnings: string[] }> {
  const env = options.env ?? process.env;
  const conf = await loadRegistriesConf(registriesConfLookup(options, env));
  return { search: localSearchOf(conf, await readAliasCache(aliasCacheFile(options, env))), warnings: conf.warnings };
}

/** Where registries.conf is looked for: `registriesConf`, else the user's, the system's, hoist's shipped one. */
export function registriesConfLookup(options: Pick<LocalSearchOptions, 'registriesConf'>, env: NodeJS.ProcessEnv): LoadRegistriesConfOptions {
  return { env, shippedFile: join(shippedConfDir(), 'registries.conf'), ...(options.registriesConf !== undefined ? { file: options.registriesConf } : {}) };
}

/** The alias cache file: `aliasCache`, HOIST_ALIAS_CACHE, else the per-user (or root's) one. */
export function aliasCacheFile(options: Pick<LocalSearchOptions, 'aliasCache'>, env: NodeJS.ProcessEnv): string {
  return aliasCachePath({ env, ...(options.aliasCache !== undefined ? { file: options.aliasCache } : {}) });
}

/**
 * The aliases as containers/image's ResolveShortNameAlias sees them: the cache's entries over
 * registries.conf's, an entry erased in the cache ('') hiding registries.conf's too.
 */
export function localSearchOf(conf: RegistriesConf, aliasCache: ReadonlyMap<string, AliasEntry>): LocalSearch {
  const aliases = new Map<string, string>();
  for (const [name, entry] of conf.aliases) aliases.set(name, entry.value);
  for (const [name, entry] of aliasCache) {
    if (entry.value === '') aliases.delete(name);
    else aliases.set(name, entry.value);
  }
  return { aliases, searchRegistries: conf.unqualifiedSearchRegistries };
}
