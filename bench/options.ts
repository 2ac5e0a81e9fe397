import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIO_IDS, type RunCounts } from './scenarios.js';
import { HOIST_CLI } from './tools.js';

export interface BenchOptions {
  quick: boolean;
  /** Fraction of the full image sizes to generate. */
  scale: number;
  runs: RunCounts;
  /** Only these scenario ids (all when empty). */
  only: string[];
  /** Profile hoist's main paths with --cpu-prof instead of running the scenarios. */
  profile: boolean;
  /** The hoist CLI to measure; default this checkout's dist/. */
  hoistCli: string;
  /** Another hoist build to run beside it in the same runs (A/B), labelled 'hoist B'. */
  compareCli?: string;
  /** Leave skopeo and podman out (quick A/B runs of hoist builds). */
  noPeers: boolean;
  /** Whether --runs replaced the standard run counts. */
  customRuns: boolean;
  /** The command line to print in the reports. */
  command: string;
}

const USAGE = `usage: npm run bench [-- OPTIONS]
  --quick         fewer runs and a third-size large image (about 3 minutes)
  --only ID,…     run only these scenarios: ${SCENARIO_IDS.join(', ')}
  --runs N        this many runs of each contender in every scenario
  --profile       instead of the scenarios, run hoist's main paths once under node --cpu-prof
                  and print the top self-time functions (profiles kept in bench/.cache/profiles)
  --hoist PATH    measure this CLI instead of dist/bin/hoist.mjs
  --compare PATH  also measure this CLI (e.g. a patched copy's dist/bin/hoist.mjs) as 'hoist B',
                  alternating with hoist: its row's 'hoist ÷ tool' is B's speed-up over A
  --no-peers      leave skopeo and podman out (for quick A/B runs of hoist builds)
Only a full run without these options writes bench/results/latest.{json,md}; others write bench/.cache/last-run.*`;

const STANDARD_RUNS: RunCounts = { cold: 5, small: 7, warm: 10, archive: 5, concurrent: 3, unpack: 5, wan: 5, fleet: 3 };
const QUICK_RUNS: RunCounts = { cold: 2, small: 3, warm: 4, archive: 2, concurrent: 1, unpack: 2, wan: 2, fleet: 1 };

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      runs: { type: 'string' },
      profile: { type: 'boolean', default: false },
      hoist: { type: 'string' },
      compare: { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export function parseOptions(argv: string[]): BenchOptions {
  let values: ReturnType<typeof parseFlags>['values'];
  try {
    ({ values } = parseFlags(argv));
  } catch (err) {
    return usage((err as Error).message);
  }
  if (values.help) return usage();
  const only = values.only.flatMap((list) => list.split(',').filter(Boolean));
  const unknown = only.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) return usage(`unknown scenario: ${unknown.join(', ')}`);
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) return usage(`--runs needs a positive whole number, not ${values.runs}`);
  return {
    quick: values.quick,
    scale: values.quick ? 1 / 3 : 1,
    runs:
      runs !== undefined
        ? { cold: runs, small: runs, warm: runs, archive: runs, concurrent: runs, unpack: runs, wan: runs, fleet: runs }
        : values.quick
          ? QUICK_RUNS
          : STANDARD_RUNS,
    only,
    profile: values.profile,
    hoistCli: values.hoist !== undefined ? resolve(values.hoist) : HOIST_CLI,
    ...(values.compare !== undefined ? { compareCli: resolve(values.compare) } : {}),
    noPeers: values['no-peers'],
    customRuns: runs !== undefined,
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  };
}

/** The full run of this checkout's CLI with its peers: the one whose results are published. */
export function isStandardRun(options: BenchOptions): boolean {
  return (
    !options.quick && options.only.length === 0 && !options.noPeers && !options.customRuns && options.hoistCli === HOIST_CLI && options.compareCli === undefined
  );
}

function usage(problem?: string): never {
  process.stderr.write(`${problem !== undefined ? `${problem}\n` : ''}${USAGE}\n`);
  process.exit(problem !== undefined ? 2 : 0);
}
