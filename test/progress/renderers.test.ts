import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, jsonLinesRenderer, plainRenderer, shortDigest, TtyRenderer, type CopyEvent } from '../../src/progress/index.js';

const config = `sha256:${'c'.repeat(64)}`;
const layer = `sha256:${'1'.repeat(64)}`;
const stored = `sha256:${'2'.repeat(64)}`;

const pull: CopyEvent[] = [
  { type: 'trying', reference: 'docker.io/library/fedora:latest' },
  { type: 'copy-start', source: 'oci:x' },
  { type: 'blob-start', kind: 'config', digest: config, size: 10 },
  { type: 'blob-progress', kind: 'config', digest: config, bytes: 10, size: 10 },
  { type: 'blob-done', kind: 'config', digest: config, size: 10, skipped: false },
  { type: 'blob-done', kind: 'layer', digest: stored, size: 5, skipped: true },
  { type: 'blob-start', kind: 'layer', digest: layer, size: 20 },
  { type: 'blob-wait', kind: 'layer', digest: layer },
  { type: 'blob-done', kind: 'layer', digest: layer, size: 20, skipped: true },
  { type: 'warning', code: 'CONFIG', message: 'something odd' },
  { type: 'manifest-write' },
  { type: 'copy-done', id: 'c'.repeat(64) },
];

test("plainRenderer writes Podman's lines, one per step and per blob", () => {
  const lines: string[] = [];
  pull.forEach(plainRenderer((l) => lines.push(l)));
  assert.deepEqual(lines, [
    'Trying to pull docker.io/library/fedora:latest...',
    'Getting image source signatures',
    `Copying config ${config}`,
    `Copying blob ${stored} skipped: already exists`,
    `Copying blob ${layer}`,
    'Warning: something odd',
    'Writing manifest to image destination',
  ]);
});

test('jsonLinesRenderer writes every event as JSON, thinning progress ticks but keeping the last', () => {
  const lines: string[] = [];
  let now = 1_000;
  const render = jsonLinesRenderer(
    (l) => lines.push(l),
    () => now,
  );
  const tick = (bytes: number): CopyEvent => ({ type: 'blob-progress', kind: 'layer', digest: layer, bytes, size: 100 });
  render(tick(10));
  render(tick(20)); // same instant: dropped
  now += 300;
  render(tick(30));
  render(tick(100)); // complete: always written
  render({ type: 'manifest-write' });
  const events = lines.map((l) => JSON.parse(l) as { type: string; bytes?: number; time: string });
  assert.deepEqual(
    events.map((e) => e.bytes ?? e.type),
    [10, 30, 100, 'manifest-write'],
  );
  assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.time))));
});

test('shortDigest and formatBytes give the short forms progress shows', () => {
  assert.equal(shortDigest(layer), '111111111111');
  assert.equal(formatBytes(0), '0B');
  assert.equal(formatBytes(1023), '1023B');
  assert.equal(formatBytes(1536), '1.5KiB');
  assert.equal(formatBytes(5 * 1024 * 1024), '5.0MiB');
});

test('TtyRenderer draws one bar per blob and leaves their final state on the terminal', () => {
  let out = '';
  const tty = new TtyRenderer({ columns: 120, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
  pull.forEach(tty.handle); // copy-done finishes: the bars are drawn at once, no timer left behind
  const screen = out
    .replace(/\x1b\[\d+A\x1b\[0J/g, '\u0000')
    .split('\u0000')
    .at(-1)!;
  assert.match(out, /^Trying to pull docker\.io\/library\/fedora:latest\.\.\.\nGetting image source signatures\n/);
  assert.match(screen, /^Copying config cccccccccccc \[=+\] 10B \/ 10B \| done$/m);
  assert.match(screen, /^Copying blob 222222222222 skipped: already exists$/m);
  assert.match(screen, /^Copying blob 111111111111 skipped: already exists$/m);
  assert.match(out, /Writing manifest to image destination\n/);
});

test('TtyRenderer leaves finished bars above the next step, in Podman order', () => {
  let out = '';
  const tty = new TtyRenderer({ columns: 120, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
  const steps = pull.filter((e) => e.type !== 'warning');
  steps.forEach(tty.handle);
  const finalScreen = out.replace(/^[^\x1b]*\x1b\[\d+A\x1b\[0J/gm, '');
  const bars = finalScreen.lastIndexOf('Copying blob 111111111111');
  const manifest = finalScreen.lastIndexOf('Writing manifest to image destination');
  assert.ok(bars >= 0 && manifest > bars, `bars must precede "Writing manifest":\n${JSON.stringify(out)}`);
});

test('TtyRenderer fits each bar to the terminal: at 60 columns sizes and speed stay, the graphic gives way', () => {
  for (const columns of [60, 120]) {
    let out = '';
    const tty = new TtyRenderer({ columns, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
    tty.handle({ type: 'blob-start', kind: 'layer', digest: layer, size: 50 * 1024 * 1024 });
    tty.handle({ type: 'blob-progress', kind: 'layer', digest: layer, bytes: 20 * 1024 * 1024, size: 50 * 1024 * 1024 });
    tty.finish();
    const bars = out.split('\n').filter((l) => l.includes('Copying blob'));
    assert.ok(bars.length > 0, out);
    for (const line of bars) {
      assert.ok(line.length < columns, `${line.length} columns at a width of ${columns}: ${line}`);
      assert.match(line, /20\.0MiB \/ 50\.0MiB \| [\d.]+[KMG]?i?B\/s$/);
    }
    if (columns === 120) assert.match(bars[0]!, /\[=+>-+\]/);
  }
});

test('TtyRenderer redraws from the first column, so an echoed ^C cannot shift the block', () => {
  let out = '';
  const tty = new TtyRenderer({ columns: 100, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream);
  tty.handle({ type: 'blob-start', kind: 'layer', digest: layer, size: 10 });
  tty.handle({ type: 'warning', code: 'CONFIG', message: 'x' });
  tty.handle({ type: 'warning', code: 'CONFIG', message: 'y' });
  tty.finish();
  assert.match(out, /\r\x1b\[\d+A\x1b\[0J/);
  assert.doesNotMatch(out, /[^\r]\x1b\[\d+A/);
});

test('the plain and TTY renderers end a copied pull with one summary line; an image that needed no copy gets none', () => {
  const done = { type: 'pull-done' as const, id: 'c'.repeat(64), names: ['localhost/app:1'], fetchedBytes: 2048, skippedBytes: 1024, seconds: 0.52 };
  const lines: string[] = [];
  const render = plainRenderer((l) => lines.push(l));
  render({ ...done, copied: true });
  render({ ...done, copied: false });
  assert.deepEqual(lines, ['Pulled localhost/app:1 (cccccccccccc): 2.0KiB fetched, 1.0KiB already stored, in 0.5 s']);
});

test('TtyRenderer redraws for the new width when the terminal is resized', async () => {
  const { EventEmitter } = await import('node:events');
  const out = Object.assign(new EventEmitter(), { columns: 120, text: '', write: (s: string) => ((out.text += s), true) });
  const tty = new TtyRenderer(out as unknown as NodeJS.WriteStream);
  tty.handle({ type: 'blob-start', kind: 'layer', digest: layer, size: 50 * 1024 * 1024 });
  tty.handle({ type: 'blob-progress', kind: 'layer', digest: layer, bytes: 1024, size: 50 * 1024 * 1024 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const drawn = out.text
    .split('\n')
    .filter((l) => l.includes('Copying blob'))
    .at(-1)!
    .replace(/^[\s\S]*\x1b\[0J/, '');
  out.text = '';
  out.columns = 50;
  out.emit('resize');
  await new Promise((resolve) => setTimeout(resolve, 150));
  tty.finish();
  // The line drawn for 120 columns now wraps onto several rows of 50: the erase goes up that many.
  const rows = Math.ceil(drawn.length / 50);
  assert.ok(rows > 1, drawn);
  assert.ok(out.text.startsWith(`\r\x1b[${rows}A\x1b[0J`), JSON.stringify(out.text));
  const bars = out.text.split('\n').filter((l) => l.includes('Copying blob'));
  assert.ok(bars.length > 0 && bars.every((l) => l.replace(/^[\s\S]*\x1b\[0J/, '').length < 50), JSON.stringify(out.text));
});
