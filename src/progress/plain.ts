import type { CopyEvent } from './events.js';
import { printableLines, stepLine } from './format.js';

/** Podman's non-TTY output: one line per step and per blob. */
export function plainRenderer(write: (line: string) => void): (event: CopyEvent) => void {
  const started = new Set<string>();
  return (event) => {
    const step = stepLine(event);
    if (step !== undefined) {
      write(step);
      return;
    }
    switch (event.type) {
      case 'trying':
        write(`Trying to pull ${event.reference}...`);
        break;
      case 'resolved':
        write(event.message);
        break;
      case 'blob-start':
        started.add(event.digest);
        write(`Copying ${event.kind === 'config' ? 'config' : 'blob'} ${event.digest}`);
        break;
      case 'blob-done':
        if (event.skipped && !started.has(event.digest)) {
          write(`Copying ${event.kind === 'config' ? 'config' : 'blob'} ${event.digest} skipped: already exists`);
        }
        break;
      case 'warning':
        write(`Warning: ${printableLines(event.message)}`);
        break;
      default:
        break;
    }
  };
}
