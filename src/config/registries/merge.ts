/**
 * Combining the main file and its drop-ins, in order, as containers/image does: a later file
 * replaces `unqualified-search-registries`, `short-name-mode` and `credential-helpers` when it sets
 * them (an empty list included), replaces `[[registry]]` tables by prefix, and merges `[aliases]`
 * key by key ('' erasing an alias).
 */
import type { AliasEntry, ConfLayer, RegistriesConf, RegistryConfig } from './types.js';
import { byPrefixOrder } from './validate.js';

const DEFAULT_CREDENTIAL_HELPERS = ['containers-auth.json'];

/** `main` is undefined when no main file exists; drop-ins still apply then. */
export function mergeLayers(main: ConfLayer | undefined, dropIns: ConfLayer[]): RegistriesConf {
  const conf: RegistriesConf = {
    files: [],
    unqualifiedSearchRegistries: [],
    shortNameMode: 'permissive',
    credentialHelpers: [],
    aliases: new Map(),
    registries: [],
    warnings: [],
  };
  // The main file is the origin of the search list even when it does not set it, so that
  // "no unqualified-search registries are defined in <file>" names the file to edit.
  if (main) conf.unqualifiedSearchRegistriesFile = main.file;

  const registries = new Map<string, RegistryConfig>();
  const aliases = new Map<string, AliasEntry>();
  for (const layer of main ? [main, ...dropIns] : dropIns) {
    conf.files.push(layer.file);
    conf.warnings.push(...layer.warnings);
    if (layer.unqualifiedSearchRegistries !== undefined) {
      conf.unqualifiedSearchRegistries = layer.unqualifiedSearchRegistries;
      conf.unqualifiedSearchRegistriesFile = layer.file;
    }
    if (layer.shortNameMode !== undefined) {
      conf.shortNameMode = layer.shortNameMode;
      conf.shortNameModeFile = layer.file;
    }
    if (layer.credentialHelpers !== undefined) conf.credentialHelpers = layer.credentialHelpers;
    for (const registry of layer.registries) registries.set(registry.prefix, registry);
    for (const [name, alias] of layer.aliases) aliases.set(name, alias);
  }

  if (conf.credentialHelpers.length === 0) conf.credentialHelpers = [...DEFAULT_CREDENTIAL_HELPERS];
  conf.registries = [...registries.values()].sort(byPrefixOrder);
  for (const [name, alias] of aliases) if (alias.value !== '') conf.aliases.set(name, alias);
  return conf;
}
