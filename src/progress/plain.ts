import { printable } from '../errors.js';
import type { CopyEvent } from './events.js';
import { stepLine, summaryLine } from './format.js';

/**
 * Podman's non-TTY output: one line per step and per blob. Every line is made printable, since
 * events carry text from registries and files (a warning's message, a resolution's names).
 */
export function plainRenderer(writeLine: (line: string) => void): (event: CopyEvent) => void {
  const write = (line: string) => writeLine(printable(line));
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
        write(`Warning: ${event.message}`);
        break;
      case 'pull-done':
        // As Podman, nothing for an image that needed no copy (present, or up to date).
        if (event.copied) write(summaryLine(event));
        break;
      default:
        break;
    }
  };
}
