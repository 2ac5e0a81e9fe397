import { clipped, printable, quoted } from '../../errors.js';
/**
 * A small strict JSON reader that keeps where every key and value sits. JSON.parse cannot serve
 * policy.json: it silently keeps the last of duplicated keys (containers/image rejects them, and a
 * second `"default"` quietly replacing the first is exactly what a security policy must not do),
 * and it gives no positions for the semantic errors found after parsing.
 *
 * It reads RFC 8259 JSON and nothing more (no comments, no trailing commas, no byte order mark),
 * with one document: a single top-level object. Input size and nesting are bounded, so a hostile
 * or broken file costs bounded time and stack.
 */

/** The largest policy file read; real ones are a few KiB even with inline keys. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of objects and arrays; policy.json needs 6 (a pki object inside a requirement). */
export const MAX_JSON_DEPTH = 64;

/** 1-based, columns in UTF-16 code units as editors count them. */
export interface JsonPosition {
  line: number;
  column: number;
}

/** A path inside the document: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

export interface JsonMember {
  key: string;
  keyAt: JsonPosition;
  value: JsonValue;
}

export type JsonObject = { kind: 'object'; members: JsonMember[]; at: JsonPosition };
export type JsonArray = { kind: 'array'; items: JsonValue[]; at: JsonPosition };

export type JsonValue =
  | JsonObject
  | JsonArray
  | { kind: 'string'; value: string; at: JsonPosition }
  | { kind: 'number'; value: number; at: JsonPosition }
  | { kind: 'boolean'; value: boolean; at: JsonPosition }
  | { kind: 'null'; at: JsonPosition };

export type JsonKind = JsonValue['kind'];

/** A syntax error (or a limit reached) at `at`, inside the value at `path`. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly at: JsonPosition,
    readonly path: JsonPath,
  ) {
    super(reason);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * Longest part of a string from the file shown in a message: above the longest real key (a docker
 * scope with a 255-character name and a sha512 digest is about 400), far below a flood.
 */
const SHOWN_CHARS = 512;

/**
 * A string from the file as a message may show it: quoted, every control character escaped, and
 * cut to SHOWN_CHARS (`"abc…"`), so a hostile file can neither drive the terminal nor flood it.
 */
export function quoteForMessage(text: string): string {
  return quoted(clipped(text, SHOWN_CHARS));
}

/** Like quoteForMessage without the quotes, for text that merely contains file content (e.g. another module's message). */
export function escapeForMessage(text: string, max = SHOWN_CHARS): string {
  return printable(clipped(text, max));
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses `text`, which must hold exactly one JSON object (whitespace around it allowed). */
export function parseJsonObject(text: string): JsonObject {
  return new Reader(text).document();
}

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly path: (string | number)[] = [];

  constructor(private readonly text: string) {}

  document(): JsonObject {
    // Counting bytes is linear; it is the same bound load.ts applies to the file.
    if (this.text.length > MAX_JSON_BYTES || Buffer.byteLength(this.text, 'utf8') > MAX_JSON_BYTES) {
      this.fail(`file is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB`, { line: 1, column: 1 });
    }
    if (this.text.startsWith('\ufeff')) this.fail('a byte order mark is not allowed in JSON');
    this.skipWhitespace();
    if (this.i >= this.text.length) this.fail('JSON object expected, found an empty file');
    if (this.text[this.i] !== '{') this.fail(`JSON object expected, found ${this.describeHere()}`);
    const object = this.object(1);
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail('Unexpected data after JSON object');
    return object;
  }

  private value(depth: number): JsonValue {
    const at = this.position();
    const c = this.text[this.i];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return { kind: 'string', value: this.string(), at };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { kind: 'number', value: this.number(), at };
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value === null ? { kind: 'null', at } : { kind: 'boolean', value, at };
      }
    }
    this.fail(`expected a value, found ${this.describeHere()}`);
  }

  private object(depth: number): JsonObject {
    const at = this.position();
    this.checkDepth(depth);
    this.i++; // '{'
    const members: JsonMember[] = [];
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.i] === '}') {
      this.i++;
      return { kind: 'object', members, at };
    }
    for (;;) {
      this.skipWhitespace();
      const keyAt = this.position();
      if (this.text[this.i] !== '"') this.fail(`expected a string key, found ${this.describeHere()}`);
      const key = this.string();
      if (seen.has(key)) this.fail(`Duplicate key ${quoteForMessage(key)}`, keyAt);
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after the key, found ${this.describeHere()}`);
      this.i++;
      this.skipWhitespace();
      this.path.push(key);
      members.push({ key, keyAt, value: this.value(depth) });
      this.path.pop();
      if (this.endOfList('}')) return { kind: 'object', members, at };
    }
  }

  private array(depth: number): JsonArray {
    const at = this.position();
    this.checkDepth(depth);
    this.i++; // '['
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.i] === ']') {
      this.i++;
      return { kind: 'array', items, at };
    }
    for (;;) {
      this.skipWhitespace();
      this.path.push(items.length);
      items.push(this.value(depth));
      this.path.pop();
      if (this.endOfList(']')) return { kind: 'array', items, at };
    }
  }

  /** After a member or item: true at the closing bracket, false after a comma. */
  private endOfList(close: '}' | ']'): boolean {
    this.skipWhitespace();
    const c = this.text[this.i];
    if (c === close) {
      this.i++;
      return true;
    }
    if (c === ',') {
      this.i++;
      this.skipWhitespace();
      // A trailing comma is the most common hand-editing mistake; name it.
      if (this.text[this.i] === close) this.fail(`trailing comma before "${close}"`);
      return false;
    }
    this.fail(`expected "," or "${close}", found ${this.describeHere()}`);
  }

  private string(): string {
    const start = this.position();
    this.i++; // opening quote
    let value = '';
    let run = this.i;
    for (;;) {
      if (this.i >= this.text.length) this.fail('unterminated string', start);
      const code = this.text.charCodeAt(this.i);
      if (code === 0x22) break;
      if (code < 0x20) this.fail(`control character ${quoteForMessage(this.text[this.i]!)} in a string must be escaped`);
      if (code !== 0x5c) {
        this.i++;
        continue;
      }
      value += this.text.slice(run, this.i);
      value += this.escape();
      run = this.i;
    }
    value += this.text.slice(run, this.i);
    this.i++; // closing quote
    return value;
  }

  /** One backslash escape, the reader standing on the backslash. */
  private escape(): string {
    const c = this.text[this.i + 1];
    if (c === 'u') {
      const hex = this.text.slice(this.i + 2, this.i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape: four hexadecimal digits expected');
      this.i += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    const decoded = c === undefined ? undefined : ESCAPES[c];
    if (decoded === undefined) this.fail(`invalid escape ${quoteForMessage(`\\${c ?? ''}`)}`);
    this.i += 2;
    return decoded;
  }

  private number(): number {
    const start = this.position();
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail(`invalid number, found ${this.describeHere()}`);
    this.i += match[0].length;
    const next = this.text[this.i];
    // `01`, `1.`, `1e`: the grammar stopped early on something that still looks numeric.
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail(`invalid number ${quoteForMessage(match[0] + next)}`, start);
    return Number(match[0]);
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === '\n') {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
      } else {
        return;
      }
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private position(): JsonPosition {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  private describeHere(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const codePoint = this.text.codePointAt(this.i)!;
    return quoteForMessage(String.fromCodePoint(codePoint));
  }

  private fail(reason: string, at: JsonPosition = this.position()): never {
    throw new JsonSyntaxError(reason, at, [...this.path]);
  }
}
