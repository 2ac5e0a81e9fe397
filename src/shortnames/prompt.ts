/**
 * The interactive short-name selector, drawn like Podman's (promptui):
 *
 *   ? Please select an image:
 *     ▸ registry.fedoraproject.org/fedora:latest
 *       docker.io/library/fedora:latest
 *
 * Up/down arrows move the marker, Enter chooses, Ctrl-C or Ctrl-D aborts with HoistError('ABORTED').
 * The terminal (raw mode, cursor, stream state) is restored on every way out.
 */
import { HoistError } from '../errors.js';
import { formatReference } from '../reference/index.js';
import type { Candidate } from './resolve.js';

export interface PromptStreams {
  input: NodeJS.ReadStream;
  /** hoist's stdout carries only image IDs, so the CLI passes stderr here. */
  output: NodeJS.WriteStream;
}

const LABEL = 'Please select an image';
const MARKER = '▸';

const KEYS = {
  up: ['\x1b[A', '\x1bOA'],
  down: ['\x1b[B', '\x1bOB'],
  enter: ['\r', '\n'],
  abort: ['\x03', '\x04'],
};

const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';
const CLEAR_TO_END = '\x1b[J';
const cursorUp = (lines: number) => `\x1b[${lines}A\r`;

/** Lets the user pick one of `items`; resolves with its index. */
export function selectItem(items: readonly string[], { input, output }: PromptStreams): Promise<number> {
  if (items.length === 0) return Promise.reject(new HoistError('INTERNAL', 'nothing to select'));
  return new Promise((resolve, reject) => {
    let selected = 0;
    const wasRaw = input.isRaw;
    // A stream nobody reads yet is not "paused" but must stop again, or it keeps the process alive.
    const wasFlowing = input.readableFlowing === true;

    const render = (first: boolean) => {
      const lines = items.map((item, i) => (i === selected ? `  ${MARKER} ${item}` : `    ${item}`));
      output.write(`${(first ? '' : cursorUp(items.length) + CLEAR_TO_END) + lines.join('\n')}\n`);
    };

    const finish = (summary: string, settle: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.setRawMode?.(wasRaw);
      if (!wasFlowing) input.pause();
      output.write(cursorUp(items.length + 1) + CLEAR_TO_END + summary + CURSOR_SHOW);
      settle();
    };
    const abort = () => finish('', () => reject(new HoistError('ABORTED', 'short-name selection aborted')));

    // One chunk may hold several keys (typed fast, or pasted), so it is consumed key by key.
    const onData = (chunk: Buffer | string) => {
      let rest = chunk.toString();
      while (rest.length > 0) {
        const key = [...KEYS.up, ...KEYS.down, ...KEYS.enter, ...KEYS.abort].find((k) => rest.startsWith(k));
        rest = rest.slice(key?.length ?? 1);
        if (key === undefined) continue;
        if (KEYS.abort.includes(key)) return abort();
        if (KEYS.enter.includes(key)) return finish(`✔ ${items[selected]}\n`, () => resolve(selected));
        selected = KEYS.up.includes(key) ? Math.max(0, selected - 1) : Math.min(items.length - 1, selected + 1);
        render(false);
      }
    };
    const onEnd = () => abort();
    const onError = (err: Error) => finish('', () => reject(new HoistError('ABORTED', `short-name selection failed: ${err.message}`, { cause: err })));

    input.setRawMode?.(true);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
    output.write(`${CURSOR_HIDE}? ${LABEL}: \n`);
    render(true);
  });
}

/** A `prompt` for resolveShortName that asks on the given terminal streams. */
export function terminalPrompt(streams: PromptStreams): (candidates: Candidate[]) => Promise<Candidate> {
  return async (candidates) =>
    candidates[
      await selectItem(
        candidates.map((c) => formatReference(c.reference)),
        streams,
      )
    ]!;
}
