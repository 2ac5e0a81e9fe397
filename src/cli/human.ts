/** Podman's human forms (go-units): sizes with 3 significant digits in decimal units, ages in words. */

const sizeUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < sizeUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${sizeUnits[unit]}`;
}

export function humanAge(iso: string | undefined, now: number = Date.now()): string {
  const then = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const seconds = Math.max(0, (now - then) / 1000);
  const round = Math.round;
  if (seconds < 1) return 'Less than a second ago';
  if (seconds < 60) return `${round(seconds)} seconds ago`;
  const minutes = seconds / 60;
  if (minutes < 2) return 'About a minute ago';
  if (minutes < 60) return `${round(minutes)} minutes ago`;
  const hours = minutes / 60;
  if (round(hours) === 1) return 'About an hour ago';
  if (hours < 48) return `${round(hours)} hours ago`;
  const days = hours / 24;
  if (days < 14) return `${round(days)} days ago`;
  if (days < 60) return `${round(days / 7)} weeks ago`;
  if (days < 365 * 2) return `${round(days / 30)} months ago`;
  return `${round(days / 365)} years ago`;
}

/**
 * Columns as Go's tabwriter lays them out for Podman (containers/common's report: minimum width
 * 12, padding 2): each cell but a line's last is padded to its column's width. Lines may have
 * different numbers of cells (a template's tab-separated output).
 */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let col = 0; col < row.length - 1; col++) widths[col] = Math.max(widths[col] ?? 12, row[col]!.length + 2);
  }
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
