import { printable } from '../errors.js';
import type { CopyEvent } from './events.js';

/**
 * One line of a JSON-lines stream: `time`, then the record's fields. JSON.stringify escapes C0
 * controls only; printable escapes the C1 and format characters a message may quote too, in JSON's
 * own `\uXXXX`, so the line stays the same JSON.
 */
export function jsonLine(record: Record<string, unknown>): string {
  return printable(JSON.stringify({ time: new Date().toISOString(), ...record }));
}

/** Machine-readable progress: every event as one JSON line, progress ticks thinned to 4 per second per blob. */
export function jsonLinesRenderer(write: (line: string) => void, now: () => number = Date.now): (event: CopyEvent) => void {
  const lastTick = new Map<string, number>();
  return (event) => {
    if (event.type === 'blob-progress') {
      const t = now();
      if (t - (lastTick.get(event.digest) ?? 0) < 250 && event.bytes < event.size) return;
      lastTick.set(event.digest, t);
    }
    write(jsonLine(event));
  };
}
