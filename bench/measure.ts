import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One finished process: wall time, CPU time (user+sys of its tree) and peak RSS when known. */
export interface ProcessSample {
  wallMs: number;
  cpuMs?: number;
  maxRssKiB?: number;
  /** Epoch ms when it started (to span concurrent processes). */
  startedAt: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const MEASURE_PY = fileURLToPath(new URL('../../bench/measure.py', import.meta.url));

/** CPU and RSS need python3 (wait4); without it only wall time is measured, and the report says so. */
export const rusageAvailable: boolean = spawnSync('python3', ['-c', 'import os; os.wait4'], { stdio: 'ignore' }).status === 0;

export async function measure(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessSample> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-bench-measure-'));
  const out = join(dir, 'rusage.json');
  try {
    const startedAt = Date.now();
    const start = performance.now();
    const { code, stdout, stderr } = await run(rusageAvailable ? ['python3', MEASURE_PY, out, ...argv] : argv, env);
    const wallMs = performance.now() - start;
    if (!rusageAvailable) return { wallMs, startedAt, exitCode: code, stdout, stderr };
    const usage = JSON.parse(await readFile(out, 'utf8').catch(() => 'null')) as Omit<ProcessSample, 'stdout' | 'stderr'> | null;
    if (usage === null) return { wallMs, startedAt, exitCode: code, stdout, stderr };
    return { ...usage, startedAt: usage.startedAt * 1000, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-16_384)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
