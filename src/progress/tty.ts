import { printable } from '../errors.js';
import type { CopyEvent } from './events.js';
import { formatBytes, shortDigest, stepLine, summaryLine } from './format.js';

interface BarState {
  label: string;
  bytes: number;
  size: number;
  started: number;
  status: 'running' | 'done' | 'skipped' | 'waiting';
}

const BAR_WIDTH = 30;
const MIN_BAR_WIDTH = 10;
const REDRAW_MS = 100;

/**
 * Live per-blob bars on a terminal, redrawn in place at most every REDRAW_MS: the bar block is
 * rewritten with cursor-up + clear-line, so other lines print above it without flicker.
 */
export class TtyRenderer {
  readonly #out: NodeJS.WriteStream;
  readonly #bars = new Map<string, BarState>();
  /** The lengths of the lines of the block on screen, to know how many rows they take now. */
  #drawn: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    // A resized terminal rewraps what was drawn for the old width: draw again for the new one.
    out.on?.('resize', this.#onResize);
  }

  readonly #onResize = (): void => this.#schedule();

  readonly handle = (event: CopyEvent): void => {
    const step = stepLine(event);
    if (step !== undefined) {
      this.#line(step);
      return;
    }
    switch (event.type) {
      case 'trying':
        this.#line(`Trying to pull ${event.reference}...`);
        break;
      case 'resolved':
        this.#line(event.message);
        break;
      case 'blob-start':
        this.#bars.set(event.digest, {
          label: `Copying ${event.kind === 'config' ? 'config' : 'blob'} ${shortDigest(event.digest)}`,
          bytes: 0,
          size: event.size,
          started: Date.now(),
          status: 'running',
        });
        this.#schedule();
        break;
      case 'blob-progress': {
        const bar = this.#bars.get(event.digest);
        if (bar) bar.bytes = event.bytes;
        this.#schedule();
        break;
      }
      case 'blob-wait': {
        const bar = this.#bars.get(event.digest);
        if (bar) bar.status = 'waiting';
        this.#schedule();
        break;
      }
      case 'blob-done': {
        const label = `Copying ${event.kind === 'config' ? 'config' : 'blob'} ${shortDigest(event.digest)}`;
        const bar = this.#bars.get(event.digest) ?? { label, bytes: 0, size: event.size, started: Date.now(), status: 'running' as const };
        bar.status = event.skipped ? 'skipped' : 'done';
        bar.bytes = event.skipped ? bar.bytes : event.size;
        this.#bars.set(event.digest, bar);
        this.#schedule();
        break;
      }
      case 'warning':
        this.#line(`Warning: ${event.message}`);
        break;
      case 'copy-done':
        this.finish();
        break;
      case 'pull-done':
        if (event.copied) this.#line(summaryLine(event));
        break;
    }
  };

  /** Draws the final state and forgets the bars; call on exit too, so the terminal is left clean. */
  finish(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.#bars.clear();
    this.#drawn = [];
  }

  #line(text: string): void {
    this.#erase();
    // Finished bars stay on screen above the new line, in Podman's order (blobs, then "Writing manifest").
    if (this.#bars.size > 0 && [...this.#bars.values()].every((bar) => bar.status === 'done' || bar.status === 'skipped')) {
      this.#drawBars();
      this.#bars.clear();
    }
    // Events carry text from registries and files: only this renderer's own escapes reach the terminal.
    this.#out.write(`${printable(text)}\n`);
    this.#drawn = [];
    this.#drawBars();
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, REDRAW_MS);
  }

  #draw(): void {
    this.#erase();
    this.#drawBars();
  }

  #erase(): void {
    // A carriage return first: a key the user typed (Ctrl-C echoes "^C") moved the cursor along the
    // line, and the block must be redrawn from its first column, not from there ("CoCopying").
    // After a resize, a line drawn for the old width may wrap onto several rows of the new one.
    const columns = this.#out.columns || 100;
    const rows = this.#drawn.reduce((sum, length) => sum + Math.max(1, Math.ceil(length / columns)), 0);
    if (rows > 0) this.#out.write(`\r\x1b[${rows}A\x1b[0J`);
  }

  #drawBars(): void {
    const columns = this.#out.columns || 100;
    const lines = [...this.#bars.values()].map((bar) => renderBar(bar, columns - 1));
    if (lines.length > 0) this.#out.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.map((line) => line.length);
  }
}

/**
 * One bar within `width` columns: the label, sizes and speed are what a user reads, so the bar
 * graphic gives way first (shrinking to MIN_BAR_WIDTH, then dropping out), and only then is the
 * line cut.
 */
function renderBar(bar: BarState, width: number): string {
  if (bar.status === 'skipped') return `${bar.label} skipped: already exists`.slice(0, width);
  if (bar.status === 'waiting') return `${bar.label} waiting for another pull`.slice(0, width);
  const fraction = bar.size > 0 ? Math.min(1, bar.bytes / bar.size) : 1;
  const seconds = Math.max(0.001, (Date.now() - bar.started) / 1000);
  const tail = bar.status === 'done' ? 'done' : `${formatBytes(Math.round(bar.bytes / seconds))}/s`;
  const numbers = `${formatBytes(bar.bytes)} / ${formatBytes(bar.size)} | ${tail}`;
  // label, space, [graphic], space, numbers
  const room = Math.min(BAR_WIDTH, width - bar.label.length - numbers.length - 4);
  if (room < MIN_BAR_WIDTH) return `${bar.label} ${numbers}`.slice(0, width);
  const filled = Math.round(fraction * room);
  const graphic = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction < 1 ? '>' : '=') : ''}${'-'.repeat(room - filled)}]`;
  return `${bar.label} ${graphic} ${numbers}`;
}
