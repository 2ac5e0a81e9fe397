import type { Rng } from './rng.js';
import type { Profile } from './profiles.js';
import type { World } from './world.js';

/** What a failed trial leaves for the one who reproduces it. */
export interface Evidence {
  /** The command whose outcome failed the check. */
  command?: string;
  stdout?: string;
  stderr?: string;
}

/** How the fuzz categories count their failures: the issue asks for 0 crashes, 0 hangs, 0 stack traces. */
export type FailureKind = 'crash' | 'hang' | 'stack trace';

/** Thrown by a check: the trial failed for `message`, with what shows it. */
export class TrialFailure extends Error {
  constructor(
    message: string,
    readonly evidence: Evidence = {},
    readonly kind?: FailureKind,
  ) {
    super(message);
    this.name = 'TrialFailure';
  }
}

export function fail(message: string, evidence?: Evidence): never {
  throw new TrialFailure(message, evidence);
}

export function check(ok: boolean, message: string, evidence?: Evidence): asserts ok {
  if (!ok) fail(message, evidence);
}

export interface TrialResult {
  trial: number;
  /** What the trial did, e.g. `pull killed after 212 ms`. */
  label: string;
  failure?: { message: string; evidence: Evidence; kind?: FailureKind };
}

export interface CategoryContext {
  seed: number;
  profile: Profile;
  /** The shared registry, proxy and sandbox, started on first use. */
  world(): Promise<World>;
  /** The trial numbers to run (all of the profile's, or the one `--trial` asks for). */
  trials(count: number): number[];
  /** Progress for the person watching (stderr). */
  log(line: string): void;
  /** Runs one trial with its own generator; a failed check becomes its failure. */
  trial(trial: number, run: (rng: Rng, label: (text: string) => void) => Promise<void>): Promise<TrialResult>;
}

export interface Category {
  name: string;
  /** The table's "what was checked" column. */
  checked: string;
  /** Trials of this category in `profile`. */
  count(profile: Profile): number;
  /** Why it cannot run on this machine, if it cannot (shown in the table, never silently). */
  cannotRun?(): Promise<string | undefined>;
  run(ctx: CategoryContext): Promise<TrialResult[]>;
}

/**
 * Runs every check even when an earlier one fails, so a trial reports all that went wrong; the
 * failures are thrown together (the first one's evidence kept).
 */
export async function checkAll(...checks: (() => unknown)[]): Promise<void> {
  const failures: TrialFailure[] = [];
  for (const run of checks) {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof TrialFailure)) throw err;
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0]!;
  if (failures.length > 1)
    throw new TrialFailure(failures.map((f) => f.message).join(' AND '), failures.find((f) => f.evidence.command !== undefined)?.evidence);
}
