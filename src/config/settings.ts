import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HoistError } from '../errors.js';
import { ConfigDiagnostics } from './diagnostics.js';
import { parseTomlText, tomlTypeOf, type TomlTable } from './toml.js';

/** hoist's own settings (`hoist.toml`): defaults for flags a user would otherwise repeat. */
export interface Settings {
  /** Pull policy as written (validated by the engine, which owns the policy names). */
  policy?: string;
  maxParallelDownloads?: number;
  retry?: number;
  /** File the settings came from, for messages. */
  file: string;
  /** Unknown keys and the like: reported, not fatal. */
  warnings: string[];
}

export interface SettingsLookup {
  env?: NodeJS.ProcessEnv;
  /** Hoist's shipped default file (conf/hoist.toml). */
  shippedFile: string;
  systemDir?: string;
}

/** HOIST_CONFIG alone; else the user's file; else /etc/hoist/hoist.toml; else the shipped default. */
export async function settingsFile({ env = process.env, shippedFile, systemDir = '/etc/hoist' }: SettingsLookup): Promise<string> {
  if (env.HOIST_CONFIG) return env.HOIST_CONFIG;
  const user = join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'hoist', 'hoist.toml');
  for (const candidate of [user, join(systemDir, 'hoist.toml')]) {
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  return shippedFile;
}

const integerKeys = { 'max-parallel-downloads': 'maxParallelDownloads', retry: 'retry' } as const;

export function parseSettings(text: string, file: string): Settings {
  const diag = new ConfigDiagnostics(file, text, 'see the hoist.toml section of the README');
  const doc = parseTomlText(text, file);
  const pull = doc.pull;
  const settings: Settings = { file, warnings: diag.warnings };
  for (const key of Object.keys(doc)) {
    if (key !== 'pull') diag.warn([key], 'unknown key, ignored');
  }
  if (pull === undefined) return settings;
  if (tomlTypeOf(pull) !== 'table') throw diag.error(['pull'], 'must be a table');
  for (const [key, value] of Object.entries(pull as TomlTable)) {
    if (key === 'policy') {
      if (typeof value !== 'string') throw diag.error(['pull', key], `must be a string, not ${tomlTypeOf(value)}`);
      settings.policy = value;
    } else if (key in integerKeys) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (key === 'retry' ? 0 : 1)) {
        throw diag.error(['pull', key], `must be an integer ≥ ${key === 'retry' ? 0 : 1}`);
      }
      settings[integerKeys[key as keyof typeof integerKeys]] = value;
    } else {
      diag.warn(['pull', key], 'unknown key, ignored');
    }
  }
  return settings;
}

export async function loadSettings(lookup: SettingsLookup): Promise<Settings> {
  const file = await settingsFile(lookup);
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new HoistError('INVALID_CONFIG', `reading hoist settings "${file}": ${err.message}`, { cause: err });
  });
  return parseSettings(text, file);
}
