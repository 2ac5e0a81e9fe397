import { jsonLinesRenderer, plainRenderer, TtyRenderer, type EventListener } from '../progress/index.js';

export interface ProgressChoice {
  quiet: boolean;
  /** 'auto' picks bars on a terminal, plain lines otherwise. */
  progress: 'auto' | 'tty' | 'plain' | 'json';
}

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
