import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readStoreFiles } from '../check-store.js';
import { trialRng } from '../rng.js';
import { buildCorpus } from './corpus.js';
import { targets, type Library } from './targets.js';

/**
 * A fuzz worker: a child process that feeds cases to hoist's library and reports each on stdout,
 * one JSON line before (`{"i","label"}`) and one after (`{"i","done","failure"?}`). It runs apart
 * from the suite so that a hang (even a busy loop) can be killed, and a crash of the process
 * itself (an uncaught error, an abort) is seen, without losing the other cases.
 */
export interface WorkerJob {
  category: string;
  target: keyof typeof targets;
  seed: number;
  trials: number[];
  dir: string;
}

export interface WorkerLine {
  ready?: true;
  i?: number;
  label?: string;
  done?: true;
  failure?: string;
}

const job = JSON.parse(process.argv[2]!) as WorkerJob;
const say = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
const lib = (await import(new URL('../../../../dist/index.js', import.meta.url).href)) as Library;
const corpus = await buildCorpus(join(job.dir, 'corpus'));
// Local names (oci:./layout) are relative to the corpus.
process.chdir(corpus.dir);
say({ ready: true });

function describe(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${typeof err}: ${String(err).slice(0, 200)}`;
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 4)
    .map((l) => l.trim());
  return `${err.name}: ${err.message.slice(0, 300)} (${frames.join(' < ')})`;
}

for (const i of job.trials) {
  const dir = join(job.dir, `case-${i}`);
  await mkdir(dir, { recursive: true });
  let made: Awaited<ReturnType<(typeof targets)[keyof typeof targets]['make']>>;
  try {
    made = await targets[job.target].make(trialRng(job.seed, job.category, i), dir, corpus);
  } catch (err) {
    say({ i, done: true, failure: `the fuzz case could not be made (a bug of the suite): ${describe(err)}` });
    continue;
  }
  say({ i, label: made.label });
  try {
    const root = await made.library(lib, join(dir, 'store'));
    const problems = root === undefined ? [] : (await readStoreFiles(root)).problems;
    say({ i, done: true, ...(problems.length > 0 ? { failure: `unsound store after the call: ${problems.join('; ')}` } : {}) });
  } catch (err) {
    say({ i, done: true, failure: `crash: not a HoistError: ${describe(err)}` });
  }
  await rm(dir, { recursive: true, force: true });
}
await corpus.stop();
