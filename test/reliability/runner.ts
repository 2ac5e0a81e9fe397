import { categories } from './categories.js';
import type { Profile } from './profiles.js';
import { trialRng } from './rng.js';
import { TrialFailure, type Category, type CategoryContext, type TrialResult } from './trial.js';
import { startWorld, type World } from './world.js';

export interface SuiteSettings {
  profile: Profile;
  seed: number;
  /** Only the categories whose names contain one of these. */
  only?: string[];
  /** Only this trial (of each category run). */
  trial?: number;
  log(line: string): void;
}

export interface CategoryReport {
  name: string;
  checked: string;
  results: TrialResult[];
  /** Why the category did not run on this machine. */
  notRun?: string;
  /** The category could not set itself up (its trials did not run: counted as a failure). */
  error?: string;
  ms: number;
}

export async function runSuite(settings: SuiteSettings): Promise<CategoryReport[]> {
  const wanted = categories.filter((c) => settings.only === undefined || settings.only.some((o) => c.name.includes(o)));
  if (wanted.length === 0) throw new Error(`no category matches ${settings.only?.join(', ')}: ${categories.map((c) => c.name).join(', ')}`);
  let world: Promise<World> | undefined;
  const reports: CategoryReport[] = [];
  try {
    for (const category of wanted) {
      reports.push(await runCategory(category, settings, () => (world ??= startWorld())));
    }
  } finally {
    if (world !== undefined) await (await world).stop();
  }
  return reports;
}

async function runCategory(category: Category, settings: SuiteSettings, world: () => Promise<World>): Promise<CategoryReport> {
  const started = Date.now();
  const base = { name: category.name, checked: category.checked };
  const notRun = await category.cannotRun?.();
  if (notRun !== undefined) {
    settings.log(`${category.name}: not run: ${notRun}`);
    return { ...base, results: [], notRun, ms: 0 };
  }
  const count = category.count(settings.profile);
  settings.log(`${category.name}: ${settings.trial !== undefined ? `trial ${settings.trial}` : `${count} trials`}`);
  const ctx: CategoryContext = {
    seed: settings.seed,
    profile: settings.profile,
    world,
    trials: (n) => (settings.trial !== undefined ? [settings.trial] : Array.from({ length: n }, (_, i) => i)),
    log: (line) => settings.log(`${category.name}: ${line}`),
    trial: async (trial, run) => {
      let label = `trial ${trial}`;
      try {
        await run(trialRng(settings.seed, category.name, trial), (text) => (label = text));
        return { trial, label };
      } catch (err) {
        const failure =
          err instanceof TrialFailure
            ? { message: err.message, evidence: err.evidence, ...(err.kind !== undefined ? { kind: err.kind } : {}) }
            : { message: `the trial itself broke: ${(err as Error).stack ?? String(err)}`, evidence: {} };
        settings.log(`${category.name}: trial ${trial} (${label}) FAILED: ${failure.message.slice(0, 300)}`);
        return { trial, label, failure };
      }
    },
  };
  try {
    const results = await category.run(ctx);
    settings.log(
      `${category.name}: ${results.filter((r) => r.failure === undefined).length}/${results.length} survived (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return { ...base, results, ms: Date.now() - started };
  } catch (err) {
    const error = (err as Error).stack ?? String(err);
    settings.log(`${category.name}: could not run: ${error}`);
    return { ...base, results: [], error, ms: Date.now() - started };
  }
}

/** True when every category that ran, ran all its trials and they all survived. */
export function allSurvived(reports: readonly CategoryReport[]): boolean {
  return reports.every((r) => r.error === undefined && r.results.every((t) => t.failure === undefined));
}
