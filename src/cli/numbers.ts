import { integerSettings, isIntegerIn } from '../config/settings.js';
import { HoistError, quoted } from '../errors.js';

/** A flag's value of a numeric setting, in the range hoist.toml allows for it. */
export function integerSetting(flag: string, value: number, setting: keyof typeof integerSettings): number {
  const range = integerSettings[setting];
  if (!isIntegerIn(value, range)) throw new HoistError('INVALID_ARGUMENT', `${flag} must be an integer from ${range.min} to ${range.max}, not ${value}`);
  return value;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** The longest pause `--retry-delay` may ask for; timers of more than 2^31 ms would fire at once. */
const MAX_DURATION_MS = 3_600_000;

/** Go-style durations as Podman takes them: `500ms`, `2s`, `1m`, `1.5s`; at most an hour. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  if (match === null) throw new HoistError('INVALID_ARGUMENT', `${flag}: invalid duration ${quoted(value)}`, { hint: 'use e.g. 500ms, 2s or 1m' });
  const ms = Math.round(Number(match[1]) * unitMs[match[2]!]!);
  if (ms > MAX_DURATION_MS)
    throw new HoistError('INVALID_ARGUMENT', `${flag}: ${quoted(value)} is longer than an hour, the longest pause hoist takes between tries`);
  return ms;
}
