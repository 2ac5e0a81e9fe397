import {
  jsonLinesRenderer,
  plainRenderer,
  TtyRenderer,
  unpackJsonRenderer,
  unpackPlainRenderer,
  type EventListener,
  type UnpackEventListener,
} from '../progress/index.js';

export interface ProgressChoice {
  quiet: boolean;
  /** 'auto' picks bars on a terminal, plain lines otherwise. */
  progress: 'auto' | 'tty' | 'plain' | 'json';
}

/** `-q` and `--progress`, as `pull`, `unpack` and `export` take them. */
export const progressOptions = {
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'suppress progress output' },
  progress: { choices: ['auto', 'tty', 'plain', 'json'], default: 'auto', describe: 'progress style on stderr' },
} as const;

/** The listener that renders copy events to stderr, and a function to call when done. */
export function progressListener({ quiet, progress }: ProgressChoice): { onEvent: EventListener | undefined; finish: () => void } {
  if (quiet) return { onEvent: undefined, finish: () => undefined };
  const write = (line: string) => process.stderr.write(`${line}\n`);
  const mode = progress === 'auto' ? (process.stderr.isTTY ? 'tty' : 'plain') : progress;
  if (mode === 'json') return { onEvent: jsonLinesRenderer(write), finish: () => undefined };
  if (mode === 'plain') return { onEvent: plainRenderer(write), finish: () => undefined };
  const tty = new TtyRenderer(process.stderr);
  return { onEvent: tty.handle, finish: () => tty.finish() };
}

/** The listener for an unpack's or an export's events: JSON lines, or plain lines (on a terminal too). */
export function unpackProgressListener({ quiet, progress }: ProgressChoice): UnpackEventListener | undefined {
  if (quiet) return undefined;
  const write = (line: string) => process.stderr.write(`${line}\n`);
  return progress === 'json' ? unpackJsonRenderer(write) : unpackPlainRenderer(write);
}
