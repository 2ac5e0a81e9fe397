import { HoistError, quoted } from '../errors.js';
import { parseReference, repositoryName } from '../reference/index.js';
import type { ImageInfo } from '../store/index.js';

/**
 * `hoist images --filter KEY=VALUE` (and `KEY!=VALUE` for label), Podman's filters. As in Podman
 * 4.3, an image passes when, for each key given, one of that key's values matches; a negated
 * filter (`label!=`) must hold for every value given.
 */

export const IMAGE_FILTER_KEYS = ['reference', 'dangling', 'label', 'before', 'since', 'after', 'id'] as const;

type FilterKey = (typeof IMAGE_FILTER_KEYS)[number];

export interface ImageFilter {
  key: FilterKey;
  negated: boolean;
  value: string;
}

export function parseImageFilter(text: string): ImageFilter {
  const match = /^([a-z]+)(!?)=(.*)$/s.exec(text);
  if (match === null) throw new HoistError('INVALID_ARGUMENT', `invalid filter ${quoted(text)}: expected KEY=VALUE`);
  const [, key, bang, value] = match;
  if (!(IMAGE_FILTER_KEYS as readonly string[]).includes(key!)) {
    throw new HoistError('INVALID_ARGUMENT', `unsupported image filter ${quoted(key!)}`, { hint: `hoist images filters on: ${IMAGE_FILTER_KEYS.join(', ')}` });
  }
  if (bang === '!' && key !== 'label') throw new HoistError('INVALID_ARGUMENT', `filter ${quoted(key!)} cannot be negated (only label!= can)`);
  if (key === 'dangling' && value !== 'true' && value !== 'false') {
    throw new HoistError('INVALID_ARGUMENT', `invalid value ${quoted(value!)} for filter dangling: expected true or false`);
  }
  return { key: key as FilterKey, negated: bang === '!', value: value! };
}

/** The creation time of the image a before=/since= filter names; undefined when it has none. */
export type CreatedOf = (name: string) => Promise<number | undefined>;

/** A predicate over described images for the filters given (all of them must pass). */
export async function imagePredicate(filters: readonly ImageFilter[], createdOf: CreatedOf): Promise<(info: ImageInfo) => boolean> {
  const tests: ((info: ImageInfo) => boolean)[] = [];
  for (const filter of filters) tests.push(await filterTest(filter, createdOf));
  const groups = new Map<string, ((info: ImageInfo) => boolean)[]>();
  filters.forEach((f, i) => {
    const group = f.negated ? `${f.key}!${i}` : f.key;
    groups.set(group, [...(groups.get(group) ?? []), tests[i]!]);
  });
  return (info) => [...groups.values()].every((anyOf) => anyOf.some((t) => t(info)));
}

async function filterTest(filter: ImageFilter, createdOf: CreatedOf): Promise<(info: ImageInfo) => boolean> {
  const { key, value } = filter;
  switch (key) {
    case 'reference': {
      const pattern = globPattern(value);
      return (info) => info.Names.some((name) => referenceCandidates(name).some((c) => pattern.test(c)));
    }
    case 'dangling':
      return (info) => info.Dangling === (value === 'true');
    case 'label': {
      const [name, ...rest] = value.split('=');
      const wanted = rest.length > 0 ? rest.join('=') : undefined;
      const has = (info: ImageInfo) => Object.hasOwn(info.Labels, name!) && (wanted === undefined || info.Labels[name!] === wanted);
      return filter.negated ? (info) => !has(info) : has;
    }
    case 'id': {
      const prefix = value.replace(/^sha256:/, '');
      return (info) => prefix !== '' && info.Id.startsWith(prefix);
    }
    case 'before':
    case 'since':
    case 'after': {
      const then = await createdOf(value);
      if (then === undefined) throw new HoistError('INVALID_ARGUMENT', `filter ${key}=${quoted(value)}: that image has no creation time`);
      return (info) => {
        const created = createdTime(info);
        return created !== undefined && (key === 'before' ? created < then : created > then);
      };
    }
  }
}

export function createdTime(info: Pick<ImageInfo, 'Created'>): number | undefined {
  const ms = info.Created === undefined ? NaN : Date.parse(info.Created);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * What a reference pattern is matched against, as libimage does: the name, its repository
 * without the tag, and each of those without leading path components, so that `alpha` and
 * `team/*` find `quay.io/team/alpha:1`.
 */
function referenceCandidates(name: string): string[] {
  const full = [name, repositoryName(parseReference(name))];
  return full.flatMap((n) => n.split('/').map((_, i, parts) => parts.slice(i).join('/')));
}

/** Go's path.Match as a regular expression: `*` and `?` stop at `/`, `[…]` classes, `\` escapes. */
function globPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new HoistError('INVALID_ARGUMENT', `invalid reference filter ${quoted(pattern)}: unclosed [`);
      const body = pattern.slice(i + 1, end);
      source += `[${body.startsWith('^') ? `^${escapeClass(body.slice(1))}` : escapeClass(body)}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A class body with its ranges (`a-z`) kept and every other special character taken literally. */
function escapeClass(body: string): string {
  return body.replace(/[\\\]^[]/g, '\\$&');
}
