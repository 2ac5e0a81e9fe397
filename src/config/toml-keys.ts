/**
 * Where keys sit in a TOML file. smol-toml reports positions only for syntax errors, so semantic
 * errors find their key with this line scan: table headers (`[t]`, `[[t]]`, counting array
 * entries) and `key =` lines. Unusual layouts (inline tables, keys inside multi-line strings) are
 * simply not found; the caller then points at the nearest enclosing table, or just the file.
 */
import type { Position } from './toml.js';

/** A key inside the parsed document: table names, and indexes into arrays of tables. */
export type KeyPath = readonly (string | number)[];

export type KeyLocator = (path: KeyPath) => Position | undefined;

export function locateKeys(text: string): KeyLocator {
  const positions = new Map<string, Position>();
  const lastArrayIndex = new Map<string, number>();
  let table: (string | number)[] = [];

  /** Resolves header segments into a path, entering the latest entry of each array of tables. */
  const resolveHeader = (segments: string[], isArrayEntry: boolean): (string | number)[] => {
    const path: (string | number)[] = [];
    segments.forEach((segment, i) => {
      path.push(segment);
      const key = pathKey(path);
      if (isArrayEntry && i === segments.length - 1) {
        const index = (lastArrayIndex.get(key) ?? -1) + 1;
        lastArrayIndex.set(key, index);
        path.push(index);
      } else if (lastArrayIndex.has(key)) {
        path.push(lastArrayIndex.get(key)!);
      }
    });
    return path;
  };

  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trimStart();
    const position = { line: index + 1, column: rawLine.length - line.length + 1 };
    const isArrayEntry = line.startsWith('[[');
    if (line.startsWith('[')) {
      const header = parseDottedKey(line, isArrayEntry ? 2 : 1);
      if (!header) return;
      table = resolveHeader(header.segments, isArrayEntry);
      positions.set(pathKey(table), position);
      return;
    }
    const key = parseDottedKey(line, 0);
    if (!key || !/^\s*=/.test(line.slice(key.end))) return;
    const path = pathKey([...table, ...key.segments]);
    if (!positions.has(path)) positions.set(path, position);
  });

  return (path) => {
    for (let length = path.length; length > 0; length--) {
      const found = positions.get(pathKey(path.slice(0, length)));
      if (found) return found;
    }
    return undefined;
  };
}

function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

/** Parses `a."b c".'d'` starting at `start`; returns the segments and the index after them. */
function parseDottedKey(text: string, start: number): { segments: string[]; end: number } | undefined {
  const segments: string[] = [];
  let i = start;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    const segment = parseKeySegment(text, i);
    if (!segment) return undefined;
    segments.push(segment.value);
    i = segment.end;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '.') return { segments, end: i };
    i++;
  }
}

function parseKeySegment(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    let value = '';
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i]!;
      if (c === quote) return { value, end: i + 1 };
      if (c === '\\' && quote === '"') {
        i++;
        value += text[i] ?? '';
      } else {
        value += c;
      }
    }
    return undefined;
  }
  const bare = /^[A-Za-z0-9_-]+/.exec(text.slice(start));
  return bare ? { value: bare[0], end: start + bare[0].length } : undefined;
}
