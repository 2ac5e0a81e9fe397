/**
 * RFC 8785 (JCS) canonical JSON, which a Rekor SET signs: object members sorted by their keys'
 * UTF-16 code units, no whitespace, strings and numbers serialized as ECMAScript's JSON.stringify
 * does (RFC 8785 §3.2.2 defines them by it, so here it is the reference, not an approximation).
 */
import type { JsonValue } from '../config/policy/json.js';

/** Throws for what RFC 8785 cannot represent: non-finite numbers, lone surrogates. */
export function canonicalJson(value: JsonValue): string {
  switch (value.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value.value)) throw new Error('number out of range');
      return JSON.stringify(value.value);
    case 'string':
      return canonicalString(value.value);
    case 'array':
      return `[${value.items.map(canonicalJson).join(',')}]`;
    case 'object': {
      // `<` on strings compares UTF-16 code units: RFC 8785 §3.2.3 order.
      const members = [...value.members].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return `{${members.map((m) => `${canonicalString(m.key)}:${canonicalJson(m.value)}`).join(',')}}`;
    }
  }
}

function canonicalString(text: string): string {
  // In a /u regex a surrogate only matches when it is unpaired.
  if (/\p{Cs}/u.test(text)) throw new Error('string holds a lone surrogate');
  return JSON.stringify(text);
}
