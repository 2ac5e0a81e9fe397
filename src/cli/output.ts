import createDebug from 'debug';
import { HoistError, MultiError } from '../errors.js';
import { printableLines } from '../progress/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

let stackTraces = false;

export function setLogLevel(level: LogLevel): void {
  stackTraces = level === 'debug';
  if (level === 'debug') createDebug.enable(['hoist:*', process.env.DEBUG].filter(Boolean).join(','));
}

/** Podman's exit status for errors of the tool itself. */
export const EXIT_ERROR = 125;

/**
 * Prints an error the way Podman does: `Error: <message>`, the hint on the next line, and a stack
 * trace only at --log-level=debug.
 */
export function printError(err: unknown): void {
  if (err instanceof HoistError) {
    process.stderr.write(`Error: ${printableLines(err.message)}\n`);
    if (err.hint !== undefined) process.stderr.write(`Hint: ${printableLines(err.hint)}\n`);
    if (stackTraces) process.stderr.write(`${err.stack ?? ''}\n${err instanceof MultiError ? '' : formatCause(err.cause)}`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Error: ${printableLines(message)}\n`);
  if (stackTraces && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
}

function formatCause(cause: unknown): string {
  return cause instanceof Error ? `Caused by: ${cause.stack ?? cause.message}\n` : '';
}

/** A warning of a command that renders no progress (resolve, trust show), as the renderers print them. */
export function printWarning(message: string): void {
  process.stderr.write(`Warning: ${printableLines(message)}\n`);
}

export function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}
