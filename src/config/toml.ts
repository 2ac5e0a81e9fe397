/** Reading TOML config files so that every problem points at `file:line:col`. */
import { parse, TomlError } from 'smol-toml';
import { HoistError } from '../errors.js';

export type TomlTable = Record<string, unknown>;

export interface Position {
  line: number;
  column: number;
}

/** `file:line:col` (or just `file` when the position is unknown), the prefix of every config message. */
export function fileLocation(file: string, position: Position | undefined): string {
  return position ? `${file}:${position.line}:${position.column}` : file;
}

/** Parses TOML text; a syntax error becomes INVALID_CONFIG `<file>:<line>:<col>: <reason>`. */
export function parseTomlText(text: string, file: string, hint?: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message is "Invalid TOML document: <reason>\n\n<code excerpt>"; keep only the reason.
    const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new HoistError('INVALID_CONFIG', `${fileLocation(file, err)}: ${reason}`, {
      hint,
      cause: err,
      details: { file, line: err.line, column: err.column },
    });
  }
}

export type TomlType = 'string' | 'boolean' | 'integer' | 'float' | 'array' | 'table' | 'date-time';

export function tomlTypeOf(value: unknown): TomlType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (typeof value === 'bigint') return 'integer';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date-time';
  return 'table';
}
