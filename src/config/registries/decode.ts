/**
 * Raw TOML → typed fields of registries.conf, v1 and v2 alike. Wrong types are errors; unknown
 * keys are warnings, so a typo is reported instead of silently ignored.
 */
import type { ConfigDiagnostics } from '../diagnostics.js';
import { tomlTypeOf, type TomlTable } from '../toml.js';
import type { KeyPath } from '../toml-keys.js';

export interface DecodedMirror {
  location: string;
  insecure: boolean;
  pullFromMirror: string;
  path: KeyPath;
}

export interface DecodedRegistry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  /** Only valid on mirrors; kept here so validation can refuse it with the right message. */
  pullFromMirror: string;
  mirrors: DecodedMirror[];
  path: KeyPath;
}

/** The v2 fields; an absent key stays undefined, because only present keys override earlier files. */
export interface DecodedV2 {
  unqualifiedSearchRegistries?: string[];
  unqualifiedSearchRegistriesPath: KeyPath;
  shortNameMode?: string;
  credentialHelpers?: string[];
  aliases?: Map<string, string>;
  registries: DecodedRegistry[];
}

/** `[registries.search]`, `[registries.insecure]`, `[registries.block]`: each `registries = [...]`. */
export interface DecodedV1 {
  search?: string[];
  insecure?: string[];
  block?: string[];
}

export interface DecodedFile {
  v2: DecodedV2;
  /** True when any v2 key is present, even as an empty list or table. */
  hasV2: boolean;
  /** Present when any v1 list is present, even empty. */
  v1?: DecodedV1;
}

type Kind = 'string' | 'boolean' | 'string-array' | 'table' | 'table-array' | 'unsupported';
type Schema = Record<string, Kind>;

const TOP_LEVEL: Schema = {
  'unqualified-search-registries': 'string-array',
  'short-name-mode': 'string',
  'credential-helpers': 'string-array',
  aliases: 'table',
  registry: 'table-array',
  registries: 'table',
  'additional-layer-store-auth-helper': 'unsupported',
};
const V2_KEYS = Object.keys(TOP_LEVEL).filter((key) => key !== 'registries');

const REGISTRY: Schema = {
  prefix: 'string',
  location: 'string',
  insecure: 'boolean',
  blocked: 'boolean',
  'mirror-by-digest-only': 'boolean',
  'pull-from-mirror': 'string',
  mirror: 'table-array',
  proxy: 'unsupported',
};

const MIRROR: Schema = {
  location: 'string',
  insecure: 'boolean',
  'pull-from-mirror': 'string',
  proxy: 'unsupported',
};

const ARRAY_ELEMENT: Partial<Record<Kind, 'string' | 'table'>> = { 'string-array': 'string', 'table-array': 'table' };

const V1_TABLE: Schema = { search: 'table', insecure: 'table', block: 'table' };
const V1_LIST: Schema = { registries: 'string-array' };

export function decodeRegistriesFile(raw: TomlTable, diag: ConfigDiagnostics): DecodedFile {
  checkTable(diag, raw, [], TOP_LEVEL);
  const v2: DecodedV2 = {
    unqualifiedSearchRegistries: raw['unqualified-search-registries'] as string[] | undefined,
    unqualifiedSearchRegistriesPath: ['unqualified-search-registries'],
    shortNameMode: raw['short-name-mode'] as string | undefined,
    credentialHelpers: raw['credential-helpers'] as string[] | undefined,
    aliases: raw.aliases === undefined ? undefined : decodeAliases(diag, raw.aliases as TomlTable),
    registries: ((raw.registry ?? []) as TomlTable[]).map((table, i) => decodeRegistry(diag, table, ['registry', i])),
  };
  const hasV2 = V2_KEYS.some((key) => key in raw);
  const v1 = raw.registries === undefined ? undefined : decodeV1(diag, raw.registries as TomlTable);
  return { v2, hasV2, v1 };
}

function decodeRegistry(diag: ConfigDiagnostics, table: TomlTable, path: KeyPath): DecodedRegistry {
  checkTable(diag, table, path, REGISTRY);
  return {
    prefix: (table.prefix as string | undefined) ?? '',
    location: (table.location as string | undefined) ?? '',
    insecure: table.insecure === true,
    blocked: table.blocked === true,
    mirrorByDigestOnly: table['mirror-by-digest-only'] === true,
    pullFromMirror: (table['pull-from-mirror'] as string | undefined) ?? '',
    mirrors: ((table.mirror ?? []) as TomlTable[]).map((mirror, i) => decodeMirror(diag, mirror, [...path, 'mirror', i])),
    path,
  };
}

function decodeMirror(diag: ConfigDiagnostics, table: TomlTable, path: KeyPath): DecodedMirror {
  checkTable(diag, table, path, MIRROR);
  return {
    location: (table.location as string | undefined) ?? '',
    insecure: table.insecure === true,
    pullFromMirror: (table['pull-from-mirror'] as string | undefined) ?? '',
    path,
  };
}

function decodeAliases(diag: ConfigDiagnostics, table: TomlTable): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const [name, value] of Object.entries(table)) {
    checkKind(diag, ['aliases', name], value, 'string');
    aliases.set(name, value as string);
  }
  return aliases;
}

function decodeV1(diag: ConfigDiagnostics, table: TomlTable): DecodedV1 | undefined {
  checkTable(diag, table, ['registries'], V1_TABLE);
  const list = (name: keyof DecodedV1): string[] | undefined => {
    const section = table[name] as TomlTable | undefined;
    if (section === undefined) return undefined;
    checkTable(diag, section, ['registries', name], V1_LIST);
    return section.registries as string[] | undefined;
  };
  const v1: DecodedV1 = { search: list('search'), insecure: list('insecure'), block: list('block') };
  return Object.values(v1).some((value) => value !== undefined) ? v1 : undefined;
}

function checkTable(diag: ConfigDiagnostics, table: TomlTable, path: KeyPath, schema: Schema): void {
  for (const [key, value] of Object.entries(table)) {
    const kind = schema[key];
    const keyPath = [...path, key];
    if (kind === undefined) diag.warn(keyPath, 'unknown key, ignored');
    else if (kind === 'unsupported') diag.warn(keyPath, 'not supported by hoist, ignored');
    else checkKind(diag, keyPath, value, kind);
  }
}

function checkKind(diag: ConfigDiagnostics, path: KeyPath, value: unknown, kind: Exclude<Kind, 'unsupported'>): void {
  const actual = tomlTypeOf(value);
  const element = ARRAY_ELEMENT[kind];
  if (element === undefined) {
    if (actual !== kind) throw diag.error(path, `expected type ${kind}, got ${actual}`);
    return;
  }
  if (actual !== 'array') throw diag.error(path, `expected an array of ${element}s, got ${actual}`);
  (value as unknown[]).forEach((item, i) => {
    const itemType = tomlTypeOf(item);
    if (itemType !== element) throw diag.error([...path, i], `expected an array of ${element}s, item ${i + 1} has type ${itemType}`);
  });
}
