import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './tools.js';

/** Where self time went in a V8 `.cpuprofile` (from `node --cpu-prof`), by function and by area. */
export interface ProfileSummary {
  totalMs: number;
  functions: { name: string; where: string; selfMs: number }[];
  areas: { area: string; selfMs: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const functions = new Map<string, { name: string; where: string; selfMs: number }>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id)!;
    const where = frame.url === '' ? '' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    totalMs += ms;
  });
  return {
    totalMs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
    areas: [...areas.entries()].map(([area, selfMs]) => ({ area, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

function shortUrl(url: string): string {
  return url.replace(`file://${REPO_ROOT}`, '').replace(/^file:\/\//, '');
}

/** node internals, a dependency (node_modules/<pkg>), hoist's own folder (dist/<folder>), or V8's pseudo-frames. */
function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return `dependency ${dep[1]}`;
  const own = /\/dist\/([^/]+)\//.exec(url);
  return own ? `hoist ${own[1]}/` : shortUrl(url);
}

export async function summarizeProfileDir(dir: string): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return summarizeProfile(JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as CpuProfile);
}

export function renderProfile(title: string, summary: ProfileSummary): string {
  const pct = (ms: number) => `${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${title}: ${summary.totalMs.toFixed(0)} ms sampled`, '  self time by area:'];
  for (const a of summary.areas.slice(0, 10)) lines.push(`    ${pct(a.selfMs)} ${a.selfMs.toFixed(0).padStart(6)} ms  ${a.area}`);
  lines.push('  top functions by self time:');
  for (const f of summary.functions) lines.push(`    ${pct(f.selfMs)} ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  return `${lines.join('\n')}\n`;
}
