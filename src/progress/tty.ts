import { printable } from '../errors.js';
import type { CopyEvent } from './events.js';
import { formatBytes, shortDigest, stepLine } from './format.js';

interface BarState {
  label: string;
  bytes: number;
  size: number;
  started: number;
  status: 'running' | 'done' | 'skipped' | 'waiting';
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/**
 * Live per-blob bars on a terminal, redrawn in place at most every REDRAW_MS: the bar block is
 * rewritten with cursor-up + clear-line, so other lines print above it without flicker.
 */
export class TtyRenderer {
  readonly #out: NodeJS.WriteStream;
  readonly #bars = new Map<string, BarState>();
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

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
    }
  };

  /** Draws the final state and forgets the bars; call on exit too, so the terminal is left clean. */
  finish(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.#bars.clear();
    this.#drawnLines = 0;
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
    this.#drawnLines = 0;
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
    if (this.#drawnLines > 0) this.#out.write(`\x1b[${this.#drawnLines}A\x1b[0J`);
  }

  #drawBars(): void {
    const columns = this.#out.columns || 100;
    const lines = [...this.#bars.values()].map((bar) => renderBar(bar).slice(0, columns - 1));
    if (lines.length > 0) this.#out.write(`${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }
}

function renderBar(bar: BarState): string {
  if (bar.status === 'skipped') return `${bar.label} skipped: already exists`;
  if (bar.status === 'waiting') return `${bar.label} waiting for another pull`;
  const fraction = bar.size > 0 ? Math.min(1, bar.bytes / bar.size) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const graphic = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction < 1 ? '>' : '=') : ''}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const seconds = Math.max(0.001, (Date.now() - bar.started) / 1000);
  const speed = `${formatBytes(Math.round(bar.bytes / seconds))}/s`;
  const tail = bar.status === 'done' ? 'done' : speed;
  return `${bar.label} ${graphic} ${formatBytes(bar.bytes)} / ${formatBytes(bar.size)} | ${tail}`;
}
