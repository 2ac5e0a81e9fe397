/**
 * Which registries.conf files to read, in containers/image's order:
 *
 * - main file: `--registries-conf` / CONTAINERS_REGISTRIES_CONF (must exist), else the user's
 *   `$HOME/.config/containers/registries.conf`, else the first system file, else hoist's shipped one;
 * - drop-ins: `*.conf` in `registries.conf.d`, lexical order. When the user's main file is used,
 *   only the user's drop-in directory is read; otherwise the system one (beside the first system
 *   dir, /etc/containers, the only one containers/image reads), then the user's. This holds for a
 *   forced main file too.
 *
 * containers/image looks for the user's files under $HOME/.config, not $XDG_CONFIG_HOME, and so does hoist.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HoistError } from '../../errors.js';
import type { LoadRegistriesConfOptions } from './types.js';

export const DEFAULT_SYSTEM_DIRS = ['/etc/containers', '/usr/share/containers'];
const FILE_NAME = 'registries.conf';
const DROP_IN_DIR = 'registries.conf.d';

export interface RegistriesConfFiles {
  /** Undefined only when not even the shipped file exists. */
  main?: string;
  dropIns: string[];
}

export async function registriesConfFiles(opts: LoadRegistriesConfOptions): Promise<RegistriesConfFiles> {
  const env = opts.env ?? process.env;
  const systemDirs = opts.systemDirs ?? DEFAULT_SYSTEM_DIRS;
  const userDir = join(env.HOME || homedir(), '.config', 'containers');
  const userFile = join(userDir, FILE_NAME);
  const userDropIns = join(userDir, DROP_IN_DIR);
  const systemDropIns = systemDirs.slice(0, 1).map((dir) => join(dir, DROP_IN_DIR));

  const forced = opts.file || env.CONTAINERS_REGISTRIES_CONF;
  if (forced) {
    if (!(await isFile(forced))) {
      throw new HoistError('INVALID_CONFIG', `loading registries configuration "${forced}": no such file`, {
        hint: opts.file ? 'check --registries-conf' : 'check CONTAINERS_REGISTRIES_CONF',
      });
    }
    return { main: forced, dropIns: await listDropIns([...systemDropIns, userDropIns]) };
  }
  if (await isFile(userFile)) return { main: userFile, dropIns: await listDropIns([userDropIns]) };

  const candidates = [...systemDirs.map((dir) => join(dir, FILE_NAME)), opts.shippedFile];
  let main: string | undefined;
  for (const candidate of candidates) {
    if (await isFile(candidate)) {
      main = candidate;
      break;
    }
  }
  return { main, dropIns: await listDropIns([...systemDropIns, userDropIns]) };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function listDropIns(dirs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // Most systems have no registries.conf.d at all.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new HoistError('INVALID_CONFIG', `reading ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const names = entries.filter((entry) => !entry.isDirectory() && entry.name.endsWith('.conf')).map((entry) => entry.name);
    files.push(...names.sort().map((name) => join(dir, name)));
  }
  return files;
}
