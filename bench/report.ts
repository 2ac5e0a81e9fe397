import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GeneratedImages } from './generate/images.js';
import type { Machine } from './machine.js';
import type { ContenderResult, ScenarioResult } from './runner.js';
import { mb, seconds } from './format.js';
import type { TargetCheck } from './targets.js';
import { HOIST_ENV_CLEARED } from './tools.js';
import type { RelayAccuracy, WanProfile } from './wan-relay.js';

export interface BenchReport {
  command: string;
  date: string;
  /** The CLI measured, and the one compared with it as 'hoist B'. */
  hoist: string;
  compare?: string;
  machine: Machine;
  images: { large: string; small: string; archive: string; generatorVersion: number; scale: number };
  /** The WAN relays of the wan- scenarios: their profile and what they were measured to add. */
  wan?: (WanProfile & RelayAccuracy)[];
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
  /** Whether CPU time and peak RSS were measured (they need python3). */
  rusage: boolean;
}

export function describeImages(images: GeneratedImages): BenchReport['images'] {
  const describe = (image: GeneratedImages['large']) => {
    const raw = image.layers.reduce((sum, l) => sum + l.tarSize, 0);
    return `${image.repository}: ${image.layers.length} layer(s), ${mb(image.pullBytes)} compressed, ${mb(raw)} uncompressed`;
  };
  return {
    large: describe(images.large),
    small: describe(images.small),
    archive: `${mb(images.archive.size)} docker-archive of ${images.large.repository}`,
    generatorVersion: images.version,
    scale: images.scale,
  };
}

const HEADER = ['scenario', 'tool', 'runs', 'median', 'min–max', 'CPU', 'peak RSS', 'hoist ÷ tool', 'registry traffic'];

/** The table rows, and the notes their labels point at (`[n]`). */
function rows(report: BenchReport): { body: string[][]; notes: string[] } {
  const notes: string[] = [];
  const marked = (c: ContenderResult) => {
    if (c.note === undefined) return c.label;
    if (!notes.includes(c.note)) notes.push(c.note);
    return `${c.label} [${notes.indexOf(c.note) + 1}]`;
  };
  const body = report.scenarios.flatMap((scenario) => {
    // Ratios are to the first hoist (with --compare, hoist B's row shows B's speed-up over A).
    const hoist = scenario.contenders.find((c) => c.tool === 'hoist');
    const lines = scenario.contenders.map((c, i) => row(i === 0 ? scenario.title : '', marked(c), c, c === hoist ? undefined : hoist?.summary?.medianMs));
    for (const absent of scenario.absent) lines.push(['', absent, '', '', '', '', '', '', '']);
    return lines;
  });
  return { body, notes: notes.map((note, i) => `[${i + 1}] ${note}`) };
}

function row(title: string, label: string, c: ContenderResult, hoistMedian: number | undefined): string[] {
  const s = c.summary;
  if (s === undefined) return [title, label, '0', `FAILED: ${c.error ?? ''}`, '', '', '', '', ''];
  const traffic =
    s.medianRoundTrips !== undefined
      ? `${s.medianConnections ?? 0} conn, ${s.medianRoundTrips} round trips`
      : s.medianRequests === undefined
        ? ''
        : `${s.medianRequests} req, ${mb(s.medianBytes ?? 0)}${s.maxFetchesPerBlob !== undefined && s.maxFetchesPerBlob > 0 ? `, ≤${s.maxFetchesPerBlob}× per blob` : ''}`;
  return [
    title,
    label + (c.error !== undefined ? ` (failed later: ${c.error})` : ''),
    String(s.runs),
    seconds(s.medianMs),
    `${seconds(s.minMs)}–${seconds(s.maxMs)}`,
    s.medianCpuMs === undefined ? 'n/a' : seconds(s.medianCpuMs),
    s.maxRssKiB === undefined ? 'n/a' : `${(s.maxRssKiB / 1024).toFixed(0)} MiB`,
    hoistMedian === undefined ? '' : `${(hoistMedian / s.medianMs).toFixed(2)}×`,
    traffic,
  ];
}

function compared(report: BenchReport): string[] {
  return report.compare === undefined ? [] : [`hoist = ${report.hoist}; hoist B = ${report.compare}`];
}

/** Each distinct command line once, with the scenario it first appears in. */
function commands(report: BenchReport): string[] {
  const seen = new Set<string>();
  return report.scenarios.flatMap((s) =>
    s.contenders.flatMap((c) => {
      if (seen.has(c.command)) return [];
      seen.add(c.command);
      return [`${s.id}, ${c.label}: \`${c.command}\``];
    }),
  );
}

/** The relays' accuracy, for the header: configured RTT beside the one measured through them. */
function wanLine(report: BenchReport): string[] {
  if (report.wan === undefined || report.wan.length === 0) return [];
  const links = report.wan.map(
    (w) =>
      `RTT ${w.rttMs} ms configured, ${w.addedRttMs.toFixed(1)} ms measured, a fresh connection ${w.freshConnectionMs.toFixed(1)} ms` +
      (w.bytesPerSecond === undefined ? '' : ` (${(w.bytesPerSecond * 8) / 1e6} Mbit/s cap)`),
  );
  const { rounds, connections } = report.wan[0]!;
  return [
    `WAN relay (user space, bench/wan-relay.ts; median added RTT of ${rounds} ping-pongs on one connection, and of ${connections} connects + first ping-pong, ≈ 2 RTT): ${links.join('; ')}.`,
  ];
}

const verdict = (met: boolean | null) => (met === null ? 'n/a (peer absent)' : met ? 'met' : 'NOT met');

export function textReport(report: BenchReport): string {
  const { body, notes } = rows(report);
  const widths = HEADER.map((_, col) => Math.max(...[HEADER, ...body].map((r) => r[col]!.length)));
  const render = (r: string[]) =>
    r
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  const lines = [
    ...wanLine(report),
    render(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(render),
    ...notes,
    ...compared(report),
    '',
    'targets:',
  ];
  for (const t of report.targets) lines.push(`  [${verdict(t.met)}] ${t.target}: ${t.measured}`);
  if (!report.rusage) lines.push('', 'CPU and peak RSS not measured: python3 is not installed.');
  return `${lines.join('\n')}\n`;
}

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  const { body, notes } = rows(report);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const table = (header: string[], body: string[][]) =>
    [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
  return [
    `Measured with \`${report.command}\` on ${report.date.slice(0, 10)}: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel},`,
    `Node ${m.node}, ${m.registry}, ${m.skopeo}, ${m.podman}, ${m.umoci}; 1-min load average ${m.load.start.toFixed(1)} at start, ${m.load.end?.toFixed(1) ?? '?'} at end.`,
    `Images (generated, deterministic): ${report.images.large}; ${report.images.small}; ${report.images.archive}.`,
    'Wall time is the median over alternating runs (A B A B …); CPU is user+sys of the process tree; peak RSS is the largest of any run.',
    `hoist runs without ${HOIST_ENV_CLEARED.join(', ')} from the environment.`,
    ...wanLine(report),
    '',
    table(HEADER, body),
    '',
    ...[...notes, ...compared(report)].map((note) => `${note}  `),
    '',
    '<details><summary>Commands</summary>',
    '',
    '$REGISTRY is `docker-registry serve` on loopback, $PROXY the counting proxy in front of it, $EMPTY a fresh directory per run, $PRESENT a store that already holds the image, $TLS_REGISTRY the same registry serving HTTPS (certificate of a test CA in $CERTS), $WAN80 and $WAN20 the WAN relays in front of a TLS registry with token auth (its token issuer behind a relay of the same RTT; $CREDS what the issuer accepts), $WAN80_EMPTY another such registry without images, $REGISTRIES_CONF a registries.conf searching $WAN80_EMPTY then $WAN80 for short names, $LAYOUT an OCI layout of the large image on disk, $ID its image ID.',
    '',
    ...commands(report).map((c) => `- ${c}`),
    '',
    '</details>',
    '',
    table(
      ['target', 'measured', ''],
      report.targets.map((t) => [t.target, t.measured, verdict(t.met)]),
    ),
    '',
  ].join('\n');
}

export async function writeReports(report: BenchReport, jsonPath: string, markdownPath: string): Promise<void> {
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownPath, markdownReport(report));
}
