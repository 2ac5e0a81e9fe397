/**
 * Values as Go's templates print them, so that `--format` output reads as Podman's: `%v` of
 * slices (`[a b]`), maps (`map[k:v]`, keys sorted), booleans, and a time.Time.
 */

/**
 * A time as Podman's data holds it: JSON shows it as the RFC 3339 text it came as, a template
 * prints it as Go's time.Time String() does (`2024-01-02 03:04:05 +0000 UTC`), in UTC.
 */
export class GoTime {
  constructor(readonly rfc3339: string) {}

  toJSON(): string {
    return this.rfc3339;
  }

  toString(): string {
    const ms = Date.parse(this.rfc3339);
    if (Number.isNaN(ms)) return this.rfc3339;
    // Go keeps the fraction as written (up to nanoseconds), where a Date keeps milliseconds.
    const fraction = /T\d\d:\d\d:\d\d(\.\d+)/.exec(this.rfc3339)?.[1]?.replace(/0+$/, '') ?? '';
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction === '.' ? '' : fraction} +0000 UTC`;
  }
}

/** A time given as text, when it parses; anything else stays what it was. */
export function goTime(value: unknown): GoTime | unknown {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new GoTime(value) : value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof GoTime);
}

/** fmt's `%v`. An object prints as a Go map: hoist's data does not tell Go's structs from maps. */
export function goString(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goString(value[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** Go's json.Marshal: compact, with <, > and & escaped as it escapes them (they only occur inside strings). */
export function goJson(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/** Go's truth for if/and/or/not: false, 0, nil and empty strings, slices and maps are false. */
export function goTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}
