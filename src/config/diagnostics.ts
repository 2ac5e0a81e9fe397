/** Errors and warnings about one config file, each naming `file:line:col` and the key. */
import { HoistError } from '../errors.js';
import { fileLocation } from './toml.js';
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
    return this.errorFrom(this.describe(path, message));
  }

  /** An error whose message is already described: one line, or several `describe` lines, each printed as one. */
  errorFrom(described: string | readonly string[]): HoistError {
    return new HoistError('INVALID_CONFIG', described, { hint: this.hint });
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
