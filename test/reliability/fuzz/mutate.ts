import type { Rng } from '../rng.js';

/**
 * Seeded mutations. Byte-level ones break framing and encodings; structure-aware ones (JSON
 * trees, config lines, tar headers) keep enough of the shape that the input gets past the first
 * parser and reaches the logic behind it. Every choice comes from the Rng, so a case is its seed.
 */

/** Strings that tend to break things: controls, escapes, lone surrogates, paths, huge runs. */
const NASTY_STRINGS = [
  '',
  '\u0000',
  '\u001b[31m',
  '\u001b]0;title\u0007',
  '\u009b2J',
  '\r\nError: forged',
  '\u202e',
  '\ud800',
  '../../../../etc/passwd',
  '/',
  '%00',
  '${HOME}',
  '__proto__',
  'constructor',
  'sha256:',
  `sha256:${'0'.repeat(64)}`,
  ':',
  '@',
  '//',
  'A'.repeat(5000),
  '\u{1f600}',
  '\\',
  '"',
  '\t',
];

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x1b, 0x9b, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x5b, 0x3a, 0x2c, 0x2f, 0x30, 0x39];

export function nastyString(rng: Rng): string {
  return rng.pick(NASTY_STRINGS);
}

/** One to `max` byte-level edits: bit flips, interesting bytes, inserts, deletions, duplications, truncation. */
export function mutateBytes(rng: Rng, input: Buffer, max = 4): Buffer {
  let out = Buffer.from(input);
  const edits = rng.between(1, max);
  for (let e = 0; e < edits; e++) {
    const at = out.length === 0 ? 0 : rng.int(out.length);
    switch (rng.int(7)) {
      case 0:
        if (out.length > 0) out[at] = out[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (out.length > 0) out[at] = rng.pick(INTERESTING_BYTES);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), rng.chance(0.5) ? rng.bytes(rng.between(1, 16)) : Buffer.from(nastyString(rng)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + rng.between(1, 64))]);
        break;
      case 4: {
        const length = rng.between(1, Math.min(4096, Math.max(1, out.length - at)));
        out = Buffer.concat([out.subarray(0, at + length), out.subarray(at, at + length), out.subarray(at + length)]);
        break;
      }
      case 5:
        out = out.subarray(0, at);
        break;
      default: {
        // Overwrite a run with one repeated byte (zeroes a header field, fills a gap).
        const length = rng.between(1, 32);
        out.fill(rng.pick(INTERESTING_BYTES), at, Math.min(out.length, at + length));
      }
    }
  }
  return out;
}

export function mutateText(rng: Rng, text: string, max = 4): string {
  return mutateBytes(rng, Buffer.from(text), max).toString('utf8');
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values of every JSON type that parsers mishandle: extremes, wrong types, deep nesting. */
function nastyValue(rng: Rng): Json {
  switch (rng.int(12)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, -0, 4294967296, 0.1]);
    case 3:
      return nastyString(rng);
    case 4:
      return [];
    case 5:
      return {};
    case 6: {
      let deep: Json = rng.chance(0.5) ? 1 : {};
      for (let i = rng.between(10, 3000); i > 0; i--) deep = rng.chance(0.5) ? [deep] : { a: deep };
      return deep;
    }
    case 7:
      return Array.from({ length: rng.between(2, 2000) }, () => rng.pick<Json>([0, 'x', null, {}]));
    case 8:
      return String(rng.pick([0, -1, 1e21, 2 ** 63]));
    case 9:
      return { mediaType: nastyString(rng), digest: nastyString(rng), size: rng.pick([-1, 0, 1e15, 'x']) };
    case 10:
      return Object.fromEntries(Array.from({ length: rng.between(1, 50) }, (_, i) => [`${nastyString(rng)}${i}`, i]));
    default:
      return `${'x'.repeat(rng.between(1, 200))}${nastyString(rng)}`;
  }
}

/**
 * Nodes deeper than this are not edited: the tree walk would overflow the stack on the thousands-deep
 * values nastyValue makes (JSON.parse and JSON.stringify take them; a recursive walk does not).
 */
const MAX_EDIT_DEPTH = 200;

/** The paths of every node of a JSON tree, down to MAX_EDIT_DEPTH. */
function paths(doc: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (at.length >= MAX_EDIT_DEPTH) return out;
  if (Array.isArray(doc)) doc.forEach((child, i) => paths(child, [...at, i], out));
  else if (doc !== null && typeof doc === 'object') for (const [key, child] of Object.entries(doc)) paths(child, [...at, key], out);
  return out;
}

function parentOf(doc: Json, path: (string | number)[]): Json {
  return path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key as string]!, doc);
}

/** One to `max` edits of a JSON document's tree (replace, delete, rename, wrap, duplicate), then serialized. */
export function mutateJson(rng: Rng, text: string, max = 3): string {
  let doc = JSON.parse(text) as Json;
  const edits = rng.between(1, max);
  for (let e = 0; e < edits; e++) {
    const all = paths(doc);
    const path = rng.pick(all);
    if (path.length === 0) {
      doc = rng.chance(0.2) ? nastyValue(rng) : doc;
      continue;
    }
    const parent = parentOf(doc, path) as Record<string | number, Json>;
    const key = path.at(-1)!;
    switch (rng.int(5)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 1:
        if (Array.isArray(parent)) {
          parent[key] = [parent[key]!];
        } else {
          const value = parent[key]!;
          delete parent[key];
          parent[rng.chance(0.5) ? nastyString(rng) : `${String(key)}${rng.pick(['x', '-', '.', ' '])}`] = value;
        }
        break;
      case 2:
        parent[key] = [parent[key]!];
        break;
      case 3:
        // A JSON round trip, not structuredClone, which overflows on nastyValue's deepest values.
        if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[key]!)) as Json);
        else parent[`${String(key)}2`] = JSON.parse(JSON.stringify(parent[key]!)) as Json;
        break;
      default:
        parent[key] = nastyValue(rng);
    }
  }
  const serialized = JSON.stringify(doc, null, rng.chance(0.3) ? 2 : undefined) ?? 'null';
  // Sometimes break the text too: duplicate keys, raw controls, cut-off documents.
  return rng.chance(0.25) ? mutateText(rng, serialized, 2) : serialized;
}

/** Config values in TOML and YAML syntax that validators must refuse or survive. */
const NASTY_CONFIG_VALUES = [
  '999999999999999999999999',
  '-1',
  '1e999',
  'nan',
  'inf',
  '"\\u0000"',
  '"\\u001b[31m"',
  '"\\u009b"',
  '""',
  '[]',
  '{}',
  'true',
  '"a"',
  `"${'x'.repeat(10000)}"`,
  `${'['.repeat(2000)}${']'.repeat(2000)}`,
  '[1, "a", {}]',
  '"*.example.com"',
  '"docker.io/library/"',
  '"http://x/"',
  '"file:///etc/passwd"',
  '"@sha256:"',
  '"registry.example.com:99999"',
  "'''multi\nline'''",
  '&a [*a, *a, *a]',
  '*nowhere',
  '!!binary aGk=',
  '{a: {b: {c: {d: 1}}}}',
];

/**
 * Line-level edits of a TOML or YAML file: a value replaced, a line duplicated, removed, moved
 * or indented differently, a table header or key inserted; sometimes a byte-level edit on top.
 */
export function mutateConfigLines(rng: Rng, text: string, headers: readonly string[], max = 3): string {
  const lines = text.split('\n');
  const edits = rng.between(1, max);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(Math.max(1, lines.length));
    const line = lines[at] ?? '';
    switch (rng.int(7)) {
      case 0: {
        const sep = line.search(/[=:]/);
        lines[at] = sep === -1 ? `${line}${rng.pick(NASTY_CONFIG_VALUES)}` : `${line.slice(0, sep + 1)} ${rng.pick(NASTY_CONFIG_VALUES)}`;
        break;
      }
      case 1:
        lines.splice(at, 0, line);
        break;
      case 2:
        lines.splice(at, 1);
        break;
      case 3:
        lines.splice(at, 0, rng.pick(headers));
        break;
      case 4:
        lines[at] = rng.chance(0.5) ? `  ${line}` : line.trimStart();
        break;
      case 5:
        lines.splice(rng.int(lines.length + 1), 0, `${nastyString(rng).replace(/\n/g, '')} = ${rng.pick(NASTY_CONFIG_VALUES)}`);
        break;
      default:
        lines[at] = mutateText(rng, line, 2);
    }
  }
  const out = lines.join('\n');
  return rng.chance(0.15) ? mutateText(rng, out, 2) : out;
}
