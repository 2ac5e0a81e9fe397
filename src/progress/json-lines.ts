import { printable } from '../errors.js';
import type { CopyEvent } from './events.js';

/**
 * Machine-readable progress: every event as one JSON line, progress ticks thinned to 4 per second
 * per blob. JSON.stringify escapes C0 controls only; printable escapes the C1 and format characters
 * a warning may quote too, in JSON's own `\uXXXX`, so the line stays the same JSON.
 */
export function jsonLinesRenderer(write: (line: string) => void, now: () => number = Date.now): (event: CopyEvent) => void {
  const lastTick = new Map<string, number>();
  return (event) => {
    if (event.type === 'blob-progress') {
      const t = now();
      if (t - (lastTick.get(event.digest) ?? 0) < 250 && event.bytes < event.size) return;
      lastTick.set(event.digest, t);
    }
    write(printable(JSON.stringify({ time: new Date().toISOString(), ...event })));
  };
}
