import { parseArgs } from 'node:util';
import { profileNamed } from './profiles.js';
import { formatReport } from './report.js';
import { randomSeed } from './rng.js';
import { allSurvived, runSuite } from './runner.js';

/**
 * `npm run test:reliability`: every category of the reliability suite with the trial counts of a
 * profile, one table, each failure with the command that reproduces it; exit 1 if anything failed.
 *
 *   node .test-build/test/reliability/run.js [--profile short|full] [--seed N] [--only NAME]... [--trial N]
 */
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'full' },
    seed: { type: 'string' },
    only: { type: 'string', multiple: true },
    trial: { type: 'string' },
  },
});
const profile = profileNamed(values.profile!);
const seed = values.seed !== undefined ? Number(values.seed) : randomSeed();
if (!Number.isInteger(seed)) throw new Error(`--seed takes an integer, not ${values.seed}`);
const started = Date.now();
process.stderr.write(`reliability: profile ${profile.name}, seed ${seed} (repeat with --seed ${seed})\n`);
const reports = await runSuite({
  profile,
  seed,
  ...(values.only !== undefined ? { only: values.only } : {}),
  ...(values.trial !== undefined ? { trial: Number(values.trial) } : {}),
  log: (line) => process.stderr.write(`  ${line}\n`),
});
process.stdout.write(`${formatReport(reports, seed, profile.name)}\n\nTook ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
process.exitCode = allSurvived(reports) ? 0 : 1;
