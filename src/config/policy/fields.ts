/**
 * The reading machinery of the policy.json parser: messages and locations for one file (Context),
 * one JSON object checked against its allowed keys (Fields), typed objects and key material.
 */
import { decodeStrictBase64 } from '../../base64.js';
import { HoistError } from '../../errors.js';
import { quoteForMessage as q, type JsonKind, type JsonMember, type JsonObject, type JsonPath, type JsonPosition, type JsonValue } from './json.js';
import type { KeySource, PolicyLocation } from './types.js';

const HINT = 'see containers-policy.json(5)';

/** Builds messages and locations for one file; collects its warnings. */
export class Context {
  readonly warnings: string[] = [];

  constructor(readonly file: string) {}

  fail(at: JsonPosition, path: JsonPath, message: string, cause?: unknown): never {
    throw new HoistError('INVALID_CONFIG', this.describe(at, path, message), {
      hint: HINT,
      cause,
      details: { file: this.file, line: at.line, column: at.column },
    });
  }

  warn(at: JsonPosition, path: JsonPath, message: string): void {
    this.warnings.push(this.describe(at, path, message));
  }

  where(path: JsonPath): PolicyLocation {
    return { file: this.file, path: formatPath(path) };
  }

  private describe(at: JsonPosition, path: JsonPath, message: string): string {
    const label = formatPath(path);
    return `${this.file}:${at.line}:${at.column}: ${label ? `${label}: ` : ''}${message}`;
  }
}

/** `transports.docker."quay.io/x"[0].keyPaths[1]`: plain keys bare, others quoted (and made safe to print). */
function formatPath(path: JsonPath): string {
  let label = '';
  for (const segment of path) {
    if (typeof segment === 'number') label += `[${segment}]`;
    else label += `${label ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(segment) ? segment : q(segment)}`;
  }
  return label;
}

const KIND_NAMES: Record<JsonKind, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

export function expect<K extends JsonKind>(ctx: Context, value: JsonValue, path: JsonPath, kind: K): Extract<JsonValue, { kind: K }> {
  if (value.kind !== kind) ctx.fail(value.at, path, `must be ${KIND_NAMES[kind]}, not ${KIND_NAMES[value.kind]}`);
  return value as Extract<JsonValue, { kind: K }>;
}

/** One JSON object whose keys have all been checked against the allowed ones. */
export class Fields {
  private readonly byKey = new Map<string, JsonMember>();

  constructor(
    readonly ctx: Context,
    readonly object: JsonObject,
    readonly path: JsonPath,
    allowed: readonly string[],
  ) {
    for (const member of object.members) {
      if (!allowed.includes(member.key)) ctx.fail(member.keyAt, path, `Unknown key ${q(member.key)}`);
      this.byKey.set(member.key, member);
    }
  }

  get(key: string): JsonMember | undefined {
    return this.byKey.get(key);
  }

  /** An error about this object as a whole, at its `{` unless a key is more to the point. */
  fail(message: string, at: JsonPosition = this.object.at): never {
    this.ctx.fail(at, this.path, message);
  }

  pathOf(key: string): JsonPath {
    return [...this.path, key];
  }

  string(key: string): string | undefined {
    const member = this.get(key);
    return member === undefined ? undefined : expect(this.ctx, member.value, this.pathOf(key), 'string').value;
  }

  /**
   * Which of `keys` is given, when at most one may be. `none` makes one mandatory; a second one is
   * reported at its own key.
   */
  oneOf<K extends string>(keys: readonly K[], messages: { many: string; none?: string }): K | undefined {
    const present = this.object.members.filter((member) => (keys as readonly string[]).includes(member.key));
    if (present.length > 1) this.fail(messages.many, present[1]!.keyAt);
    if (present.length === 0 && messages.none !== undefined) this.fail(messages.none);
    return present[0]?.key as K | undefined;
  }

  child(key: string, allowed: readonly string[]): Fields {
    const path = this.pathOf(key);
    return new Fields(this.ctx, expect(this.ctx, this.get(key)!.value, path, 'object'), path, allowed);
  }

  /**
   * The key material named by `key`; its name says its form: `…Path` one file, `…Paths` a list of
   * files, `…Data` one base64 value, `…Datas` a list of them.
   */
  keySources(key: string): KeySource[] {
    const path = this.pathOf(key);
    const value = this.get(key)!.value;
    const isData = /Datas?$/.test(key);
    if (!/s$/.test(key)) return [keySource(this.ctx, value, path, isData)];
    const list = expect(this.ctx, value, path, 'array');
    if (list.items.length === 0) this.ctx.fail(list.at, path, `${q(key)} contains no entries`);
    return list.items.map((item, i) => keySource(this.ctx, item, [...path, i], isData));
  }
}

function keySource(ctx: Context, value: JsonValue, path: JsonPath, isData: boolean): KeySource {
  const text = expect(ctx, value, path, 'string').value;
  // containers/image accepts empty ones, which can only fail later when the key is read.
  if (text === '') ctx.fail(value.at, path, 'must not be empty');
  const where = ctx.where(path);
  if (!isData) return { kind: 'path', path: text, where };
  return { kind: 'data', data: decodeBase64(ctx, value.at, path, text), where };
}

/** Go's encoding/json reading a []byte: standard base64 with padding; line breaks are ignored. */
function decodeBase64(ctx: Context, at: JsonPosition, path: JsonPath, text: string): Buffer {
  return decodeStrictBase64(text) ?? ctx.fail(at, path, 'must be base64 (the standard alphabet, with padding)');
}

/** Reads `type`, then checks the object against that type's fields. */
export function typed<T extends string>(
  ctx: Context,
  value: JsonValue,
  path: JsonPath,
  fields: Record<T, readonly string[]>,
  what: string,
): { type: T; obj: Fields } {
  const object = expect(ctx, value, path, 'object');
  const member = object.members.find((m) => m.key === 'type');
  if (member === undefined) ctx.fail(object.at, path, `${what} type not specified`);
  const type = expect(ctx, member.value, [...path, 'type'], 'string').value;
  if (!Object.hasOwn(fields, type)) ctx.fail(member.value.at, path, `Unknown ${what} type ${q(type)}`);
  return { type: type as T, obj: new Fields(ctx, object, path, fields[type as T]) };
}

/** A string that must be given; containers/image treats "" as not given. */
export function requiredString(obj: Fields, key: string): string {
  const value = obj.string(key);
  if (value === undefined || value === '') obj.fail(`${key} not specified`);
  return value;
}
