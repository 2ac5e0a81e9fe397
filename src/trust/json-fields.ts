/**
 * Typed access to signed JSON documents (signature payloads, Rekor SETs), the way containers/image
 * reads them: c/image's ParanoidUnmarshalJSONObject[ExactFields] for objects whose fields are fixed,
 * Go's encoding/json rules for the values. Every failure is a SignatureRejection in upstream's words
 * (`Unknown key "x"`, `Duplicate key "x"`, `Key "x" missing in a JSON object`,
 * `json: cannot unmarshal number into Go value of type string`).
 *
 * Parsing itself is config/policy/json.ts: bounded, and strict about duplicate keys.
 */
import { JsonSyntaxError, parseJsonObject, quoteForMessage, type JsonObject, type JsonValue } from '../config/policy/json.js';
import { SignatureRejection } from './rejection.js';
import { decodeStrictBase64 } from '../base64.js';

/** Parses a JSON object; invalid UTF-8 becomes U+FFFD, as Go's decoder does with strings. */
export function parseDocument(bytes: Uint8Array): JsonObject {
  try {
    return parseJsonObject(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new SignatureRejection(err.reason);
    throw err;
  }
}

/** An unknown key rejects at once (in document order); then every listed field must be present. */
export function exactFields<K extends string>(object: JsonObject, names: readonly K[]): Record<K, JsonValue> {
  const found: Partial<Record<K, JsonValue>> = {};
  for (const member of object.members) {
    if (!(names as readonly string[]).includes(member.key)) throw new SignatureRejection(`Unknown key ${quoteForMessage(member.key)}`);
    found[member.key as K] = member.value;
  }
  for (const name of names) {
    if (found[name] === undefined) throw new SignatureRejection(`Key ${quoteForMessage(name)} missing in a JSON object`);
  }
  return found as Record<K, JsonValue>;
}

/** A field of an object read leniently (Go's json.Unmarshal into a struct): absent or null is undefined. */
export function field(object: JsonObject, name: string): JsonValue | undefined {
  const value = object.members.find((member) => member.key === name)?.value;
  return value?.kind === 'null' ? undefined : value;
}

export function asObject(value: JsonValue): JsonObject {
  if (value.kind === 'object') return value;
  throw new SignatureRejection(`JSON object expected, got ${describe(value)}`);
}

/** Go decoding into a string: JSON null leaves it empty (Go's zero value), other types fail. */
export function stringOf(value: JsonValue): string {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'null') return '';
  throw typeMismatch(value, 'string');
}

/** Go decoding into a float64 (null leaves it 0). */
export function numberOf(value: JsonValue): number {
  if (value.kind === 'number') return value.value;
  if (value.kind === 'null') return 0;
  throw typeMismatch(value, 'float64');
}

/** Go decoding into an int64: a number without a fraction. */
export function integerOf(value: JsonValue): number {
  const n = numberOf(value);
  if (!Number.isInteger(n) || Math.abs(n) >= 2 ** 63) throw new SignatureRejection(`json: cannot unmarshal number ${n} into Go value of type int64`);
  return n;
}

/** Go decoding into a []byte: a standard base64 string (null is empty). */
export function bytesOf(value: JsonValue): Buffer {
  const decoded = decodeStrictBase64(stringOf(value));
  if (decoded === undefined) throw new SignatureRejection('illegal base64 data');
  return decoded;
}

/** Runs `read`, prefixing any rejection with `context: `, as upstream wraps its decoding errors. */
export function within<T>(context: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SignatureRejection) throw new SignatureRejection(`${context}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function typeMismatch(value: JsonValue, goType: string): SignatureRejection {
  return new SignatureRejection(`json: cannot unmarshal ${value.kind === 'boolean' ? 'bool' : value.kind} into Go value of type ${goType}`);
}

function describe(value: JsonValue): string {
  switch (value.kind) {
    case 'string':
      return quoteForMessage(value.value);
    case 'number':
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
    default:
      return `an ${value.kind}`;
  }
}
