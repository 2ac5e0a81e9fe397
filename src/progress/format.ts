/** Short forms Podman uses in progress output. */
import type { CopyEvent } from './events.js';

/** The steps of a copy that Podman reports with one fixed line each, in its words. */
const stepLines: Partial<Record<CopyEvent['type'], string>> = {
  'copy-start': 'Getting image source signatures',
  'signatures-check': 'Checking if image destination supports signatures',
  'manifest-write': 'Writing manifest to image destination',
  'signatures-store': 'Storing signatures',
};

export function stepLine(event: CopyEvent): string | undefined {
  return stepLines[event.type];
}

/** `sha256:4abcf2066143…` → `4abcf2066143` */
export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}${units[0]}` : `${value.toFixed(1)}${units[unit]}`;
}

/** The one line a pull ends with per image (plain and TTY output; `--quiet` has none). */
export function summaryLine(event: Extract<CopyEvent, { type: 'pull-done' }>): string {
  const name = event.names[0] ?? `image ${event.id.slice(0, 12)}`;
  const stored = event.skippedBytes > 0 ? `, ${formatBytes(event.skippedBytes)} already stored` : '';
  return `Pulled ${name} (${event.id.slice(0, 12)}): ${formatBytes(event.fetchedBytes)} fetched${stored}, in ${event.seconds.toFixed(1)} s`;
}
