import { spawnSync } from 'node:child_process';
import type { CountingProxy } from './counting-proxy.js';
import { measure } from './measure.js';
import type { Contender, Scenario } from './scenarios.js';
import type { RelayCounter } from './wan-relay.js';

/** One timed run of a contender (all its processes together). */
export interface Sample {
  /** From the first process's start to the last one's end. */
  wallMs: number;
  /** User+sys of every process tree, summed. */
  cpuMs?: number;
  /** The largest peak RSS of any one process. */
  maxRssKiB?: number;
  /** Through the counting proxy, when the scenario counts traffic. */
  requests?: number;
  bytes?: number;
  /** The most times any one blob was fetched in this run. */
  maxFetchesPerBlob?: number;
  /** Through the WAN relay, when the scenario has one. */
  connections?: number;
  roundTrips?: number;
}

export interface Summary {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianCpuMs?: number;
  maxRssKiB?: number;
  medianRequests?: number;
  medianBytes?: number;
  maxFetchesPerBlob?: number;
  medianConnections?: number;
  medianRoundTrips?: number;
}

export interface ContenderResult {
  label: string;
  tool: Contender['tool'];
  command: string;
  note?: string;
  samples: Sample[];
  summary?: Summary;
  /** Why runs stopped (the failing run's stderr tail). */
  error?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  contenders: ContenderResult[];
  absent: string[];
}

/**
 * Runs a scenario's contenders alternately (A B A B …), so that drift of the machine (page cache,
 * thermal, neighbours) spreads over all of them instead of favouring whoever runs last.
 */
export async function runScenario(scenario: Scenario, proxy: CountingProxy, log: (line: string) => void): Promise<ScenarioResult> {
  const results: ContenderResult[] = scenario.contenders.map((c) => ({
    label: c.label,
    tool: c.tool,
    command: c.shows,
    ...(c.note !== undefined ? { note: c.note } : {}),
    samples: [],
  }));
  for (let run = 0; run < scenario.runs; run++) {
    for (const [i, contender] of scenario.contenders.entries()) {
      const result = results[i]!;
      if (result.error !== undefined) continue;
      try {
        const sample = await runOnce(contender, scenario.countsTraffic ? proxy : undefined, scenario.relay);
        result.samples.push(sample);
        log(`  ${scenario.id} #${run + 1} ${contender.label}: ${(sample.wallMs / 1000).toFixed(2)} s`);
      } catch (err) {
        result.error = (err as Error).message;
        log(`  ${scenario.id} #${run + 1} ${contender.label}: FAILED: ${result.error}`);
      }
    }
  }
  for (const result of results) if (result.samples.length > 0) result.summary = summarize(result.samples);
  return { id: scenario.id, title: scenario.title, contenders: results, absent: scenario.absent };
}

async function runOnce(contender: Contender, proxy: CountingProxy | undefined, relay: RelayCounter | undefined): Promise<Sample> {
  const prepared = await contender.prepare();
  try {
    proxy?.reset();
    relay?.reset();
    const processes = await Promise.all(prepared.commands.map((argv) => measure(argv, prepared.env)));
    for (const p of processes) {
      if (p.exitCode !== 0) throw new Error(`exit ${p.exitCode}: ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      if (prepared.expectId !== undefined && !p.stdout.includes(prepared.expectId)) {
        throw new Error(`stdout lacks the image ID ${prepared.expectId}: ${JSON.stringify(p.stdout.slice(0, 200))}`);
      }
    }
    const start = Math.min(...processes.map((p) => p.startedAt));
    const end = Math.max(...processes.map((p) => p.startedAt + p.wallMs));
    const sample: Sample = { wallMs: processes.length === 1 ? processes[0]!.wallMs : end - start };
    if (processes.every((p) => p.cpuMs !== undefined)) sample.cpuMs = processes.reduce((sum, p) => sum + p.cpuMs!, 0);
    if (processes.every((p) => p.maxRssKiB !== undefined)) sample.maxRssKiB = Math.max(...processes.map((p) => p.maxRssKiB!));
    if (proxy !== undefined) {
      const counts = proxy.counts();
      sample.requests = counts.requests;
      sample.bytes = counts.bytes;
      sample.maxFetchesPerBlob = Math.max(0, ...counts.blobGets.values());
    }
    if (relay !== undefined) Object.assign(sample, relay.counts());
    return sample;
  } finally {
    await prepared.cleanup?.();
    settleDisk();
  }
}

/**
 * Flushes what the run wrote (and the removal of its store) before the next run starts. Without
 * it, hundreds of MB of dirty pages of one contender are written back during the next one, which
 * measurably slows whoever comes next (cold pulls write up to 800 MB per run).
 */
function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

function summarize(samples: Sample[]): Summary {
  const walls = samples.map((s) => s.wallMs);
  const summary: Summary = { runs: samples.length, medianMs: median(walls), minMs: Math.min(...walls), maxMs: Math.max(...walls) };
  const cpu = samples.flatMap((s) => (s.cpuMs !== undefined ? [s.cpuMs] : []));
  if (cpu.length > 0) summary.medianCpuMs = median(cpu);
  const rss = samples.flatMap((s) => (s.maxRssKiB !== undefined ? [s.maxRssKiB] : []));
  if (rss.length > 0) summary.maxRssKiB = Math.max(...rss);
  const requests = samples.flatMap((s) => (s.requests !== undefined ? [s.requests] : []));
  if (requests.length > 0) summary.medianRequests = median(requests);
  const bytes = samples.flatMap((s) => (s.bytes !== undefined ? [s.bytes] : []));
  if (bytes.length > 0) summary.medianBytes = median(bytes);
  const fetches = samples.flatMap((s) => (s.maxFetchesPerBlob !== undefined ? [s.maxFetchesPerBlob] : []));
  if (fetches.length > 0) summary.maxFetchesPerBlob = Math.max(...fetches);
  const connections = samples.flatMap((s) => (s.connections !== undefined ? [s.connections] : []));
  if (connections.length > 0) summary.medianConnections = median(connections);
  const roundTrips = samples.flatMap((s) => (s.roundTrips !== undefined ? [s.roundTrips] : []));
  if (roundTrips.length > 0) summary.medianRoundTrips = median(roundTrips);
  return summary;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
