import createDebug from 'debug';
import { HoistError, messageLines, MultiError, printable } from '../errors.js';
import { jsonLine } from '../progress/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

let stackTraces = false;
/** `json` once a command's output is JSON lines (`pull --progress json`): its error is one more line. */
let errorFormat: 'text' | 'json' = 'text';

export function setErrorFormat(format: 'text' | 'json'): void {
  errorFormat = format;
}

export function setLogLevel(level: LogLevel): void {
  stackTraces = level === 'debug';
  if (level === 'debug') createDebug.enable(['hoist:*', process.env.DEBUG].filter(Boolean).join(','));
}

export { EXIT_ERROR, EXIT_NOT_KNOWN } from './exit-status.js';

/**
 * Ends a command that went on past failures, as Podman's `pull` and `rmi` do: each failure printed
 * in order (its own `Error:` line and hint), and the exit status set to `status`.
 */
export function reportFailures(errors: readonly unknown[], status: number): void {
  if (errors.length === 0) return;
  errors.forEach(printError);
  process.exitCode = status;
}

/**
 * Lines as the terminal may receive them: each printable (errors.ts), so a line break or escape
 * sequence inside one is shown escaped and only the breaks between them are real.
 */
function printableLines(lines: readonly string[]): string {
  return lines.map(printable).join('\n');
}

/**
 * Prints an error the way Podman does: `Error: <message>`, the hint on the next line, and a stack
 * trace only at --log-level=debug. The message prints as the lines it was built from, never as
 * more: a line break it quotes from a registry or a file is shown escaped.
 */
export function printError(err: unknown): void {
  if (errorFormat === 'json') {
    process.stderr.write(`${errorJsonLine(err)}\n`);
    return;
  }
  process.stderr.write(`Error: ${printableLines(messageLines(err))}\n`);
  if (err instanceof HoistError && err.hint !== undefined) process.stderr.write(`Hint: ${printable(err.hint)}\n`);
  if (!stackTraces || !(err instanceof Error)) return;
  const cause = err instanceof HoistError && !(err instanceof MultiError) ? err.cause : undefined;
  const trace = [err.stack ?? '', ...(cause instanceof Error ? [`Caused by: ${cause.stack ?? cause.message}`] : [])];
  process.stderr.write(`${printableLines(trace.join('\n').split('\n'))}\n`);
}

/**
 * The error as the last line of a JSON-lines stream: `{"time","type":"error","code","message",
 * "hint","details"}`, as every line of the stream is written (`jsonLine`).
 */
function errorJsonLine(err: unknown): string {
  const hoist = err instanceof HoistError ? err : undefined;
  const line = {
    type: 'error',
    code: hoist?.code ?? 'INTERNAL',
    message: messageLines(err).join('\n'),
    ...(hoist?.hint !== undefined ? { hint: hoist.hint } : {}),
    ...(hoist !== undefined && Object.keys(hoist.details).length > 0 ? { details: hoist.details } : {}),
  };
  return jsonLine(line);
}

/** A warning of a command that renders no progress (resolve, trust show), as the renderers print them. */
export function printWarning(message: string): void {
  process.stderr.write(`Warning: ${printable(message)}\n`);
}

/**
 * Writes a command's output: the lines hoist laid out (a table, indented JSON), each printable.
 * JSON stays valid, since only characters inside its strings are escaped, and as `\uXXXX`.
 */
export function writeStdout(text: string): void {
  process.stdout.write(`${printableLines(text.split('\n'))}\n`);
}
