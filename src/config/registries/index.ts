/**
 * containers-registries.conf(5) v2 and containers-registries.conf.d(5), with containers/image's
 * lookup order, merge rules, validation and prefix matching.
 */
import { readFile } from 'node:fs/promises';
import createDebug from 'debug';
import { HoistError } from '../../errors.js';
import { registriesConfFiles } from './files.js';
import { mergeLayers } from './merge.js';
import { parseRegistriesFile } from './parse.js';
import type { ConfLayer, LoadRegistriesConfOptions, RegistriesConf } from './types.js';

export { checkAlias, type CheckedAlias } from './aliases.js';
export { DEFAULT_SYSTEM_DIRS } from './files.js';
export { findRegistry, prefixMatchLength } from './match.js';
export { pullSources, type PullSource } from './pull-sources.js';
export type {
  AliasEntry,
  LoadRegistriesConfOptions,
  MirrorConfig,
  PullFromMirror,
  RegistriesConf,
  RegistryConfig,
  ShortNameMode,
} from './types.js';

const debug = createDebug('hoist:config');

export async function loadRegistriesConf(opts: LoadRegistriesConfOptions): Promise<RegistriesConf> {
  const files = await registriesConfFiles(opts);
  const main = files.main === undefined ? undefined : await loadFile(files.main, false);
  const dropIns: ConfLayer[] = [];
  for (const file of files.dropIns) {
    const layer = await loadFile(file, true);
    if (layer) dropIns.push(layer);
  }
  return mergeLayers(main, dropIns);
}

/** One file on its own, as the main file; for tests and tools that check a single file. */
export function parseRegistriesConfText(text: string, file: string): RegistriesConf {
  return mergeLayers(parseRegistriesFile(text, file, { dropIn: false }), []);
}

async function loadFile(file: string, dropIn: boolean): Promise<ConfLayer | undefined> {
  debug('loading registries configuration %s', file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    // A drop-in removed between listing and reading is an expected race.
    if (dropIn && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const what = dropIn ? 'drop-in registries configuration' : 'registries configuration';
    throw new HoistError('INVALID_CONFIG', `loading ${what} "${file}": ${(err as Error).message}`, { cause: err });
  }
  return parseRegistriesFile(text, file, { dropIn });
}
