import type { Options, PositionalOptions } from 'yargs';
import { logLevels } from './output.js';

/**
 * A command as data. yargs builds its parser, help and error messages from it (program.ts), and
 * the fast path (quick-parse.ts) reads the same tables, so an option is declared once.
 */
export interface CommandSpec<Args = Record<string, unknown>> {
  /** yargs' command string: the name, then `<required>` or `<variadic..>` positionals in order. */
  command: string;
  /** Other names, as Podman has them: `image ls` for `images`, `image rm` for `rmi`. */
  aliases?: readonly string[];
  describe: string;
  /** Text shown after the options in the command's help. */
  epilog?: string;
  positionals?: Record<string, PositionalOptions>;
  /**
   * What shell completion offers for the positionals: `stored` the store's image names and short
   * IDs, `pullable` the transports' prefixes and the stored names; nothing by default.
   */
  completes?: 'stored' | 'pullable';
  /** Values shell completion offers for options that take free text but have a known set (`--policy`). */
  optionValues?: Record<string, readonly string[]>;
  options?: Record<string, Options>;
  // A method, so that a command over its own argument type still fits a list of specs.
  handler(args: Args): Promise<void>;
}

/** The options every command takes. */
export const globalOptions: Record<string, Options> = {
  root: { type: 'string', describe: 'image store directory (default: $HOIST_ROOT, /var/lib/hoist as root, else $XDG_DATA_HOME/hoist)' },
  'log-level': { choices: logLevels, default: 'warn', describe: 'logging level; debug shows debug logs and stack traces' },
};

/**
 * What hoist changes in yargs' parsing, for yargs and the fast path alike: Podman's
 * `--registries.d DIR` is one option, not the key `d` of an object `registries`.
 */
export const PARSER_CONFIGURATION = { 'dot-notation': false } as const;
