import { printable } from '../../src/errors.js';
import type { CategoryReport } from './runner.js';

/** The table the README's Reliability section shows, then each failure with what reproduces it. */
export function formatReport(reports: readonly CategoryReport[], seed: number, profile: string): string {
  const lines = [`Reliability, profile ${profile}, seed ${seed}:`, '', '| category | trials | survived | failed | what was checked |', '|---|---|---|---|---|'];
  for (const r of reports) {
    const failed = r.results.filter((t) => t.failure !== undefined).length;
    if (r.notRun !== undefined) lines.push(`| ${r.name} | not run: ${r.notRun} | | | ${r.checked} |`);
    else if (r.error !== undefined) lines.push(`| ${r.name} | could not run | | 1 | ${r.checked} |`);
    else lines.push(`| ${r.name} | ${r.results.length} | ${r.results.length - failed} | ${failed} | ${r.checked} |`);
  }
  const trials = reports.reduce((n, r) => n + r.results.length, 0);
  const kinds = reports.flatMap((r) => r.results.map((t) => t.failure?.kind).filter((k) => k !== undefined));
  const count = (kind: string) => kinds.filter((k) => k === kind).length;
  lines.push('', `Over ${trials} trials: ${count('crash')} crashes, ${count('hang')} hangs, ${count('stack trace')} stack traces.`);
  const failures = reports.flatMap((r) => [
    ...(r.error !== undefined ? [`- ${r.name}: could not run: ${excerpt(r.error, 1200)}`] : []),
    ...r.results
      .filter((t) => t.failure !== undefined)
      .map((t) => {
        const { message, evidence } = t.failure!;
        const parts = [
          `- ${r.name}, trial ${t.trial} (${printable(t.label)}): ${excerpt(message, 1500)}`,
          `  reproduce: node .test-build/test/reliability/run.js --profile ${profile} --seed ${seed} --only '${r.name}' --trial ${t.trial}`,
        ];
        if (evidence.command !== undefined) parts.push(`  command: ${excerpt(evidence.command, 600)}`);
        if (evidence.stdout) parts.push(`  stdout: ${excerpt(evidence.stdout.slice(-400), 600)}`);
        if (evidence.stderr) parts.push(`  stderr: ${excerpt(tail(evidence.stderr), 1200)}`);
        return parts.join('\n');
      }),
  ]);
  if (failures.length > 0) lines.push('', `Failures (${failures.length}):`, ...failures);
  return lines.join('\n');
}

/** The end of stderr, from a little before its last `Error:` line when it has one. */
function tail(stderr: string): string {
  const error = stderr.lastIndexOf('Error: ');
  return stderr.slice(Math.max(0, Math.min(error === -1 ? Infinity : error - 200, stderr.length - 800)));
}

/** Untrusted text made safe to print: control characters escaped, line breaks shown, clipped. */
function excerpt(text: string, max: number): string {
  const flat = printable(text.replace(/\n/g, ' ⏎ '));
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
