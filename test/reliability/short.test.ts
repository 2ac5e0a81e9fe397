import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profiles } from './profiles.js';
import { formatReport } from './report.js';
import { randomSeed } from './rng.js';
import { allSurvived, runSuite } from './runner.js';

// The CI form of `npm run test:reliability`: every category with the short profile's trial
// counts and a fresh seed (HOIST_RELIABILITY_SEED repeats one); the table and every failure's
// reproduction are printed, and any failed trial fails the test.
test('reliability suite, short profile: every trial survives', { timeout: 15 * 60_000 }, async (t) => {
  const seed = process.env.HOIST_RELIABILITY_SEED !== undefined ? Number(process.env.HOIST_RELIABILITY_SEED) : randomSeed();
  t.diagnostic(`seed ${seed} (repeat with HOIST_RELIABILITY_SEED=${seed}, or run.js --profile short --seed ${seed})`);
  const reports = await runSuite({ profile: profiles.short, seed, log: (line) => t.diagnostic(line) });
  const report = formatReport(reports, seed, 'short');
  // A failure shows the table and every reproduction in its message; a pass shows the table.
  if (!allSurvived(reports)) assert.fail(report);
  for (const line of report.split('\n')) t.diagnostic(line);
});
