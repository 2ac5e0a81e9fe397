import { HoistError } from '../errors.js';

function integer(flag: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new HoistError('INVALID_ARGUMENT', `${flag} must be an integer ≥ ${min}, not ${value}`);
  return value;
}

export const positiveInteger = (flag: string, value: number): number => integer(flag, value, 1);
export const nonNegativeInteger = (flag: string, value: number): number => integer(flag, value, 0);

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Go-style durations as Podman takes them: `500ms`, `2s`, `1m`, `1.5s`. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  if (match === null) throw new HoistError('INVALID_ARGUMENT', `${flag}: invalid duration "${value}"`, { hint: 'use e.g. 500ms, 2s or 1m' });
  return Math.round(Number(match[1]) * unitMs[match[2]!]!);
}
