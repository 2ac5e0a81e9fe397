import type { CopyEvent } from './events.js';

/** Machine-readable progress: every event as one JSON line, progress ticks thinned to 4 per second per blob. */
export function jsonLinesRenderer(write: (line: string) => void, now: () => number = Date.now): (event: CopyEvent) => void {
  const lastTick = new Map<string, number>();
  return (event) => {
    if (event.type === 'blob-progress') {
      const t = now();
      if (t - (lastTick.get(event.digest) ?? 0) < 250 && event.bytes < event.size) return;
      lastTick.set(event.digest, t);
    }
    write(JSON.stringify({ time: new Date().toISOString(), ...event }));
  };
}
