import { Rng } from './rng.js';

/**
 * Word lists that text, code and JSON are assembled from. Invented words from syllables, used with
 * skewed frequencies, give gzip the same kind of redundancy real text and source code have.
 */
const SYLLABLES = [
  'an',
  'ar',
  'ba',
  'be',
  'bi',
  'ca',
  'ce',
  'co',
  'da',
  'de',
  'di',
  'do',
  'el',
  'en',
  'er',
  'es',
  'fa',
  'fi',
  'ga',
  'ge',
  'ha',
  'he',
  'in',
  'io',
  'is',
  'ka',
  'la',
  'le',
  'li',
  'lo',
  'ma',
  'me',
  'mi',
  'mo',
  'na',
  'ne',
  'ni',
  'no',
  'on',
  'or',
  'pa',
  'pe',
  'pi',
  'po',
  'ra',
  're',
  'ri',
  'ro',
  'sa',
  'se',
  'si',
  'so',
  'ta',
  'te',
  'ti',
  'to',
  'un',
  'ur',
  'va',
  've',
  'st',
  'tr',
  'pr',
  'qu',
  'th',
  'ch',
  'sh',
  'x',
  'y',
  'z',
];

function inventWords(seed: string, count: number, maxSyllables: number): string[] {
  const rng = new Rng(seed);
  const words = new Set<string>();
  while (words.size < count) {
    let word = '';
    const syllables = rng.int(1, maxSyllables);
    for (let i = 0; i < syllables; i++) word += rng.pick(SYLLABLES);
    words.add(word);
  }
  return [...words];
}

/** Prose words, most frequent first. */
export const WORDS = inventWords('hoist-bench-words', 3000, 3);
/** Identifier parts (shorter), for code, symbols and file names. */
export const NAME_PARTS = inventWords('hoist-bench-names', 1500, 3);

export const CODE_KEYWORDS = [
  'return',
  'const',
  'if',
  'else',
  'for',
  'while',
  'function',
  'import',
  'from',
  'export',
  'class',
  'def',
  'self',
  'None',
  'true',
  'false',
  'null',
  'this',
  'new',
  'await',
  'async',
  'try',
  'catch',
  'raise',
  'in',
  'not',
  'and',
  'or',
  'let',
];
export const OPERATORS = [' = ', ' + ', ' - ', ' * ', ' == ', ' != ', ' && ', ' || ', ' < ', ' > ', ' += ', ', ', '.', ' ? ', ' : '];

export function identifier(rng: Rng): string {
  const parts = rng.int(1, 3);
  let name = rng.pickSkewed(NAME_PARTS);
  for (let i = 1; i < parts; i++) {
    const part = rng.pickSkewed(NAME_PARTS);
    name += rng.chance(0.5) ? `_${part}` : part[0]!.toUpperCase() + part.slice(1);
  }
  return name;
}

export function sentence(rng: Rng, words: number): string {
  let text = rng.pickSkewed(WORDS);
  text = text[0]!.toUpperCase() + text.slice(1);
  for (let i = 1; i < words; i++) text += (rng.chance(0.08) ? ', ' : ' ') + rng.pickSkewed(WORDS);
  return `${text}.`;
}
