/** Errors and warnings about one config file, each naming `file:line:col` and the key. */
import { HoistError } from '../errors.js';
import { fileLocation, type Position } from './toml.js';
import { locateKeys, type KeyLocator, type KeyPath } from './toml-keys.js';

export class ConfigDiagnostics {
  readonly warnings: string[] = [];
  private readonly locate: KeyLocator;

  constructor(
    readonly file: string,
    text: string,
    private readonly hint: string,
  ) {
    this.locate = locateKeys(text);
  }

  /** `file:line:col: key: message`, with the position of the key (or its enclosing table). */
  describe(path: KeyPath, message: string): string {
    const label = keyLabel(path);
    return `${fileLocation(this.file, this.locate(path))}: ${label ? `${label}: ` : ''}${message}`;
  }

  error(path: KeyPath, message: string): HoistError {
    const position = this.locate(path);
    return new HoistError('INVALID_CONFIG', this.describe(path, message), { hint: this.hint, details: { file: this.file, ...position } });
  }

  /** An error whose message is already described: one line, or several `describe` lines, each printed as one. */
  errorFrom(described: string | readonly string[]): HoistError {
    const lines = typeof described === 'string' ? [described] : described;
    return new HoistError('INVALID_CONFIG', described, {
      hint: this.hint,
      details: { file: this.file, ...(lines.length === 1 ? this.positionIn(lines[0]!) : {}) },
    });
  }

  /** The position a `describe` line starts with (`file:line:col: …`), if it has one. */
  private positionIn(line: string): Position | undefined {
    if (!line.startsWith(`${this.file}:`)) return undefined;
    const match = /^(\d+):(\d+): /.exec(line.slice(this.file.length + 1));
    return match === null ? undefined : { line: Number(match[1]), column: Number(match[2]) };
  }

  warn(path: KeyPath, message: string): void {
    this.warnings.push(this.describe(path, message));
  }
}

/** `registry.mirror.location`, `aliases."library/foo"`: the dotted TOML key, without array indexes. */
function keyLabel(path: KeyPath): string {
  return path
    .filter((segment): segment is string => typeof segment === 'string')
    .map((segment) => (/^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment)))
    .join('.');
}
