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
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return shippedFile;
}

/** A closed range of whole numbers a numeric setting may take. */
export interface IntegerRange {
  min: number;
  max: number;
}

/**
 * The numeric settings and their ranges, for hoist.toml and the matching flags alike. The upper
 * bounds only keep absurd values out (TOML reads `1e308` as a whole number): past 256 parallel
 * downloads a pull only adds connections and open files, and 100 retries, backing off up to
 * 30 s each, already wait most of an hour for one request.
 */
export const integerSettings = {
  'max-parallel-downloads': { property: 'maxParallelDownloads', min: 1, max: 256 },
  retry: { property: 'retry', min: 0, max: 100 },
} as const satisfies Record<string, IntegerRange & { property: keyof Settings }>;

export function isIntegerIn(value: unknown, { min, max }: IntegerRange): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

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
    } else if (Object.hasOwn(integerSettings, key)) {
      const range = integerSettings[key as keyof typeof integerSettings];
      if (!isIntegerIn(value, range)) throw diag.error(['pull', key], `must be an integer from ${range.min} to ${range.max}`);
      settings[range.property] = value;
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
