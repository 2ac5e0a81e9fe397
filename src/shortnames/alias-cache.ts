/**
 * The machine-written short-name alias cache (containers/image's short-name-aliases.conf): aliases
 * chosen at the prompt are recorded here and take precedence over registries.conf aliases.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import createDebug from 'debug';
import { stringify } from 'smol-toml';
import { checkAlias, type AliasEntry } from '../config/registries/index.js';
import { ConfigDiagnostics } from '../config/diagnostics.js';
import { parseTomlText, tomlTypeOf, type TomlTable } from '../config/toml.js';
import { HoistError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { withFileLock, type FileLockOptions } from '../io/file-lock.js';

const debug = createDebug('hoist:shortnames');

const CACHE_FILE = join('containers', 'short-name-aliases.conf');
const HINT = 'the short-name alias cache is written by hoist and Podman; fix or remove the file';

export interface AliasCachePathOptions {
  /** `--alias-cache` */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Effective user id; root uses the system-wide cache. */
  uid?: number;
}

/** `--alias-cache`, HOIST_ALIAS_CACHE, /var/cache/… for root, else $XDG_CACHE_HOME (~/.cache)/containers/…. */
export function aliasCachePath(opts: AliasCachePathOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.file) return opts.file;
  if (env.HOIST_ALIAS_CACHE) return env.HOIST_ALIAS_CACHE;
  if ((opts.uid ?? process.geteuid?.()) === 0) return join('/var/cache', CACHE_FILE);
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), CACHE_FILE);
}

/**
 * The recorded aliases; a missing file is an empty cache. A value '' erases the alias: the name then
 * resolves as if no alias existed, registries.conf aliases included.
 */
export async function readAliasCache(path: string): Promise<Map<string, AliasEntry>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new HoistError('INVALID_CONFIG', `loading short-name aliases config file "${path}": ${(err as Error).message}`, { cause: err });
  }
  const diag = new ConfigDiagnostics(path, text, HINT);
  const aliases = parseTomlText(text, path, HINT).aliases ?? {};
  if (tomlTypeOf(aliases) !== 'table') throw diag.error(['aliases'], `expected type table, got ${tomlTypeOf(aliases)}`);
  const entries = new Map<string, AliasEntry>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(aliases as TomlTable)) {
    if (typeof value !== 'string') {
      problems.push(diag.describe(['aliases', name], `expected type string, got ${tomlTypeOf(value)}`));
      continue;
    }
    const checked = checkAlias(name, value);
    problems.push(...checked.problems.map((problem) => diag.describe(['aliases', name], problem)));
    entries.set(name, { value: checked.value, file: path });
  }
  if (problems.length > 0) throw diag.errorFrom(problems);
  return entries;
}

/**
 * Records `name` → `value` (normalized, no tag or digest) under a lock, replacing the file
 * atomically with mode 0600. Recording happens after a successful pull, so a cache that cannot be
 * written must not fail it: the problem comes back as a warning instead.
 */
export async function recordAlias(path: string, name: string, value: string): Promise<string | undefined> {
  const checked = checkAlias(name, value);
  if (checked.problems.length > 0 || checked.value === '') {
    throw new HoistError('INVALID_ARGUMENT', `cannot record short-name alias "${name}" = "${value}": ${checked.problems.join('; ')}`);
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await withFileLock(path, cacheLock(path), async () => {
      const aliases = Object.fromEntries([...(await readAliasCache(path))].map(([key, entry]) => [key, entry.value]));
      aliases[name] = checked.value;
      // Readers see the old file or the new one, never a partial write.
      await writeFileAtomic(path, stringify({ aliases }), { tmpPath: `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`, mode: 0o600 });
    });
    debug('recorded short-name alias %s = %s in %s', name, checked.value, path);
    return undefined;
  } catch (err) {
    return `cannot record short-name alias "${name}" = "${checked.value}" in ${path}: ${(err as Error).message}`;
  }
}

function cacheLock(path: string): FileLockOptions {
  return {
    // Podman flock()s `<file>.lock`; proper-lockfile's lock is a directory, so it takes its own name.
    lockPath: `${path}.hoist-lock`,
    retries: { retries: 50, minTimeout: 10, maxTimeout: 200 },
  };
}
