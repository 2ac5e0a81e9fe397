import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runLimited } from '../../../src/io/run-limited.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { checkStore } from '../check-store.js';
import { crashKind, crashSigns, evidenceOf } from '../outcomes.js';
import { check, fail, TrialFailure, type Category, type CategoryContext, type FailureKind, type TrialResult } from '../trial.js';
import { startHoistIn } from '../world.js';
import { buildCorpus } from './corpus.js';
import { targets } from './targets.js';
import type { WorkerJob, WorkerLine } from './worker.js';

/**
 * The seeded fuzzer. In volume, through the library (dist/index.js) in a worker process: a crash
 * is any thrown error that is not a HoistError (or the worker dying), a hang is a case that runs
 * past CASE_TIME_LIMIT_MS; a pull that succeeds must leave a sound store. A smaller sample goes
 * through the CLI: a crash is an exit status other than 0 and 125, a stack trace, an engine error
 * or a raw control character; a failure must be one `Error:` line.
 */

/** A case that runs longer is a hang (the slowest legitimate case, an archive pull, takes well under a second). */
const CASE_TIME_LIMIT_MS = 15_000;
const CLI_TIME_LIMIT_MS = 30_000;
const workerPath = fileURLToPath(new URL('./worker.js', import.meta.url));

const checkedInProcess = (what: string) =>
  `${what} through the library in a worker process: no error but HoistError escapes, no case runs past ${CASE_TIME_LIMIT_MS / 1000} s, the worker never dies, a pull that succeeds leaves a sound store`;

function libraryCategory(name: string, target: keyof typeof targets, what: string): Category {
  return {
    name,
    checked: checkedInProcess(what),
    count: (profile) => profile.trials[name]!,
    run: (ctx) => runInWorkers(ctx, name, target),
  };
}

export const fuzzNames = libraryCategory(
  'fuzz: names',
  'names',
  'mutated image names (registry, docker://, oci:, oci-archive:, docker-archive:, dir:, IDs) parsed and pulled with --policy never',
);
export const fuzzConfigs = libraryCategory(
  'fuzz: configs',
  'configs',
  'mutated registries.conf (v2 and v1), hoist.toml, policy.json, auth.json (read on a 401) and registries.d YAML, read as pulls, resolve and trust show read them',
);
export const fuzzArchives = libraryCategory(
  'fuzz: archives',
  'archives',
  'byte flips, header rewrites, cuts, splices and entry edits of docker-archives (docker save, Docker 25, gzip), oci-archives and a GNU tar, pulled',
);
export const fuzzLayouts = libraryCategory(
  'fuzz: layouts',
  'layouts',
  'mutated OCI layouts and dir: images (index.json, manifests and configs re-addressed, blobs cut or removed, symlinks), pulled',
);

/** Runs the trials in a worker, restarting it after a hang or a crash, one trial lost each time. */
async function runInWorkers(ctx: CategoryContext, category: string, target: keyof typeof targets): Promise<TrialResult[]> {
  const dir = await makeTempDir();
  const results: TrialResult[] = [];
  try {
    let pending = ctx.trials(ctx.profile.trials[category]!);
    while (pending.length > 0) {
      const { done, stopped } = await runWorker({ category, target, seed: ctx.seed, trials: pending, dir: join(dir, `worker-${results.length}`) });
      results.push(...done);
      if (stopped === undefined) break;
      ctx.log(`trial ${stopped.trial} (${stopped.label}): ${stopped.failure!.message}`);
      results.push(stopped);
      pending = pending.slice(pending.indexOf(stopped.trial) + 1);
    }
  } finally {
    await removeDir(dir);
  }
  return results;
}

function runWorker(job: WorkerJob): Promise<{ done: TrialResult[]; stopped?: TrialResult }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerPath, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done: TrialResult[] = [];
    let ready = false;
    let current: { trial: number; label: string } | undefined;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, ms);
    };
    arm(120_000); // building the corpus
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as WorkerLine;
      if (line.ready) ready = true;
      else if (line.label !== undefined) current = { trial: line.i!, label: line.label };
      else if (line.done) {
        done.push({
          trial: line.i!,
          label: current !== undefined && current.trial === line.i ? current.label : `case ${line.i}`,
          ...(line.failure !== undefined ? { failure: { message: line.failure, evidence: {}, ...kindOf(line.failure) } } : {}),
        });
        current = undefined;
      }
      arm(CASE_TIME_LIMIT_MS);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (!ready) return reject(new Error(`the fuzz worker did not start (${status ?? signal}): ${stderr}`));
      const next = job.trials[done.length];
      if (next === undefined) return resolve({ done });
      const label = current !== undefined && current.trial === next ? current.label : `case ${next}`;
      // Exit status 13: the event loop emptied while a promise was still awaited, a hang too.
      const hang = hung || status === 13;
      const message = hung
        ? `hang: the case ran past ${CASE_TIME_LIMIT_MS / 1000} s (worker killed)`
        : status === 13
          ? 'hang: a promise never settled (the worker ran out of work)'
          : `crash: the worker died (${signal ?? `exit status ${status}`}): ${stderr.slice(-1500)}`;
      resolve({ done, stopped: { trial: next, label, failure: { message, evidence: {}, kind: hang ? 'hang' : 'crash' } } });
    });
  });
}

const kindOf = (message: string): { kind?: FailureKind } => (message.startsWith('crash:') ? { kind: 'crash' } : {});

/** A sample of the same targets through the CLI, as users meet them. */
export const fuzzCli: Category = {
  name: 'fuzz: through the CLI',
  checked: `the same four targets through the CLI (hoist pull, resolve, trust show): exit 0 or 125, a failure is one Error: line, no stack trace, no engine error, no raw control character on stdout or stderr, none runs past ${CLI_TIME_LIMIT_MS / 1000} s; a successful pull leaves a store that passes the store check`,
  count: (profile) => profile.trials['fuzz: through the CLI']!,
  async run(ctx) {
    const world = await ctx.world();
    const corpus = await buildCorpus(join(world.sandbox.dir, 'fuzz-cli'));
    const order = [targets.names, targets.configs, targets.archives, targets.layouts];
    const results: TrialResult[] = [];
    try {
      await runLimited(
        ctx.trials(ctx.profile.trials['fuzz: through the CLI']!).map((trial) => async () => {
          results.push(
            await ctx.trial(trial, async (rng, label) => {
              const dir = join(corpus.dir, `case-${trial}`);
              await mkdir(dir);
              const made = await order[trial % order.length]!.make(rng, dir, corpus);
              label(made.label);
              const root = join(dir, 'store');
              const ran = await startHoistIn(world.sandbox, root, made.cli.args, {
                cwd: corpus.dir,
                timeoutMs: CLI_TIME_LIMIT_MS,
                ...(made.cli.env !== undefined ? { env: made.cli.env } : {}),
              }).result;
              const signs = crashSigns(ran);
              if (signs.length > 0) throw new TrialFailure(`${crashKind(ran) ?? 'unsafe output'}: ${signs.join('; ')}`, evidenceOf(ran), crashKind(ran));
              const errors = ran.stderr.split('\n').filter((l) => l.startsWith('Error: ')).length;
              if (ran.status === 125) check(errors === 1, `${errors} "Error:" lines, not one`, evidenceOf(ran));
              if (ran.status === 0 && made.cli.args[0] === 'pull') await checkStore(world, root, { noDeadTempFiles: true });
              if (ran.status === 0 && errors > 0) fail('an "Error:" line though it succeeded', evidenceOf(ran));
            }),
          );
        }),
        2,
      );
    } finally {
      await corpus.stop();
    }
    return results.sort((a, b) => a.trial - b.trial);
  },
};
