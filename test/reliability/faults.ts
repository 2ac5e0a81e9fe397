import { runLimited } from '../../src/io/run-limited.js';
import { startFaultProxy, type Fault, type FaultProxy, type RecordedRequest } from '../helpers/fault-proxy.js';
import type { FixtureImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { insecure } from '../engine/support.js';
import { checkStore } from './check-store.js';
import { MiB, randomImage } from './fixtures.js';
import { expectCleanFailure, expectPulled } from './outcomes.js';
import { trialRng, type Rng } from './rng.js';
import { check, checkAll, type Category, type TrialResult } from './trial.js';
import type { Ran, World } from './world.js';

/**
 * The fault proxy between hoist and the registry: transient faults (a limited number of times)
 * must be survived with --retry, persistent ones must fail cleanly with nothing half-written.
 * Flipped bytes are refused by digest and not retried, transient or not (the registry tests
 * specify that the source does not retry what the copier rejected).
 */
export const faults: Category = {
  name: 'faults',
  checked:
    'through the fault proxy: resets (once; after progress, more often than --retry; always), 5xx, 429 + Retry-After (waited for), truncation, flipped bytes, stalls (full profile: each waits out the 60 s idle timeout), cross-origin redirects (no Authorization at the storage origin); transient: pulled, resumed where it stopped, store check; persistent: exit 125, one Error: line, no stack trace, --retry honoured, nothing in the store',
  count: (profile) => profile.trials.faults!,
  async run(ctx) {
    const world = await ctx.world();
    // A first layer of 6 MiB leaves room for several resets that each move on by more than the 1 MiB
    // that renews the retry budget.
    const image = randomImage(trialRng(ctx.seed, 'faults', -1), [6 * MiB, MiB / 4]);
    const auth = lazyAuthRegistry(world);
    const scenarios = allScenarios.filter((s) => ctx.profile.slowFaults || !s.slow);
    const results: TrialResult[] = [];
    try {
      const runTrial = async (trial: number) => {
        const scenario = scenarioOf(scenarios, trial);
        results.push(
          await ctx.trial(trial, async (rng, label) => {
            label(scenario.name);
            const target = scenario.auth ? await auth.get() : { proxy: world.proxy, registry: world.registry, conf: world.conf };
            await pushImage(target.registry, `rel/fault-${trial}`, image, '1');
            await scenario.run({ world, image, rng, label, trial, ...target });
          }),
        );
      };
      const trials = ctx.trials(ctx.profile.trials.faults!);
      // Each trial has a repository of its own, so trials can share the proxy. The slow ones
      // (stalls) mostly wait for hoist's idle timeout: they all run at once, beside the others.
      const slow = trials.filter((t) => scenarioOf(scenarios, t).slow === true);
      const fast = trials.filter((t) => scenarioOf(scenarios, t).slow !== true);
      await Promise.all([
        ...slow.map(runTrial),
        runLimited(
          fast.map((t) => () => runTrial(t)),
          2,
        ),
      ]);
    } finally {
      await auth.stop();
    }
    return results.sort((a, b) => a.trial - b.trial);
  },
};

const scenarioOf = (scenarios: Scenario[], trial: number) => scenarios[trial % scenarios.length]!;

interface Target {
  proxy: FaultProxy;
  registry: RegistryHandle;
  /** registries.conf marking the proxy insecure. */
  conf: string;
}

interface Run extends Target {
  world: World;
  image: FixtureImage;
  rng: Rng;
  label: (text: string) => void;
  trial: number;
}

interface Scenario {
  name: string;
  /** Waits out hoist's 60 s idle timeout. */
  slow?: boolean;
  /** Needs a registry with credentials (the redirect: Authorization must not follow it). */
  auth?: boolean;
  run(run: Run): Promise<void>;
}

/** An htpasswd registry behind its own fault proxy, started only if a scenario needs it. */
function lazyAuthRegistry(world: World) {
  let started: Promise<Target> | undefined;
  return {
    get: () =>
      (started ??= (async () => {
        const registry = await startRegistry({ auth: 'htpasswd' });
        const proxy = await startFaultProxy(registry);
        return { registry, proxy, conf: await world.sandbox.conf('faults-auth.conf', insecure(proxy.host)) };
      })()),
    stop: async () => {
      if (started === undefined) return;
      const { registry, proxy } = await started;
      await proxy.stop();
      await registry.stop();
    },
  };
}

const layerPath = (run: Run) => new RegExp(`^/v2/rel/fault-${run.trial}/blobs/${run.image.layers[0]!.digest}$`);
const manifestPath = (run: Run) => new RegExp(`^/v2/rel/fault-${run.trial}/manifests/1$`);

/** Pulls the trial's image through its proxy with `flags`, into a fresh store. */
async function pullThrough(run: Run, flags: string[]): Promise<{ ran: Ran; root: string }> {
  const root = run.world.sandbox.root();
  const creds = run.registry.username !== undefined ? ['--creds', `${run.registry.username}:${run.registry.password}`] : [];
  const ran = await run.world.hoist(root, ['pull', ...flags, ...creds, `${run.proxy.host}/rel/fault-${run.trial}:1`], { registriesConf: run.conf });
  return { ran, root };
}

const requestsOf = (run: Run, path: RegExp): RecordedRequest[] =>
  run.proxy.requests.filter((r) => r.origin === 'proxy' && r.method === 'GET' && path.test(r.path));

/** Injects `fault` `times` times, pulls with `retry` retries: the pull must succeed and the store hold. */
async function survives(run: Run, path: RegExp, fault: Fault, times: number, retry = 3): Promise<RecordedRequest[]> {
  run.proxy.inject({ method: 'GET', path, fault, times });
  const { ran, root } = await pullThrough(run, ['--retry', String(retry), '--retry-delay', '10ms']);
  await checkAll(
    () => expectPulled(ran, `a pull meeting ${fault.kind} ×${times} with --retry ${retry}`, run.image.id),
    () => checkStore(run.world, root, { noDeadTempFiles: true }),
  );
  return requestsOf(run, path);
}

interface Failing {
  /** How many times the faulted request must have been made (--retry + 1 for a retried fault). */
  tries: number;
  retry?: number;
  /** How many requests get the fault (default: all of them). */
  times?: number;
}

/**
 * Injects `fault`: the pull must fail cleanly, after `tries` requests, recording nothing (blobs it
 * verified before the failure may stay, unnamed; the store check proves each whole).
 */
async function failsCleanly(run: Run, path: RegExp, fault: Fault, { tries, retry = 2, times = Infinity }: Failing): Promise<void> {
  run.proxy.inject({ method: 'GET', path, fault, times });
  const { ran, root } = await pullThrough(run, ['--retry', String(retry), '--retry-delay', '10ms']);
  await checkAll(
    () => expectCleanFailure(ran, `a pull meeting ${fault.kind}${times === Infinity ? ' on every request' : ` ×${times}`}`),
    async () => {
      const files = await checkStore(run.world, root, { noDeadTempFiles: true });
      check(files.names.length === 0, `the failed pull recorded ${files.names.length} names`);
    },
    () => {
      const seen = requestsOf(run, path).length;
      check(seen === tries, `the faulted request was made ${seen} times, not ${tries} (--retry ${retry})`);
    },
  );
}

/** The retry after an interruption at byte `at` resumed with a Range from a byte in (0, at]. */
function expectResumed(gets: RecordedRequest[], at: number, exact: boolean): void {
  check(gets.length === 2, `${gets.length} GETs of the interrupted blob, not 2 (the interrupted one, then its resumption)`);
  const from = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
  const resumed = exact ? from === at : from > 0 && from <= at;
  check(resumed, `interrupted at byte ${at}, the retry asked for ${gets[1]!.range ?? 'the whole blob'}`);
}

/** A 500, 502, 503 or 504 once or twice on `where`: survived with --retry 3. */
function transient5xx(where: string, path: (run: Run) => RegExp): Scenario {
  return {
    name: `5xx on ${where}`,
    run: async (run) => {
      const status = run.rng.pick([500, 502, 503, 504]);
      const times = run.rng.between(1, 2);
      run.label(`${status} on ${where}, ${times} times`);
      await survives(run, path(run), { kind: 'status', status }, times);
    },
  };
}

const allScenarios: Scenario[] = [
  {
    name: 'stall mid-blob, once (waits out the idle timeout)',
    slow: true,
    run: async (run) => {
      const at = run.rng.between(1, run.image.layers[0]!.size - 1);
      run.label(`stall after ${at} bytes of a blob, once`);
      expectResumed(await survives(run, layerPath(run), { kind: 'stall', afterBytes: at }, 1), at, false);
    },
  },
  {
    name: 'stall after the headers, always',
    slow: true,
    run: (run) => failsCleanly(run, layerPath(run), { kind: 'stall', afterBytes: 0 }, { tries: 2, retry: 1 }),
  },
  {
    name: 'reset mid-blob, once',
    run: async (run) => {
      const at = run.rng.between(64 * 1024, run.image.layers[0]!.size - 1);
      run.label(`reset after ${at} bytes of a blob, once`);
      expectResumed(await survives(run, layerPath(run), { kind: 'reset', afterBytes: at }, 1), at, false);
    },
  },
  {
    name: 'resets after progress, more often than --retry',
    run: async (run) => {
      const times = run.rng.between(3, 4);
      run.label(`reset after every 1.25 MiB of a blob, ${times} times, --retry 2 (each try moves on by more than the 1 MiB that renews the budget)`);
      await survives(run, layerPath(run), { kind: 'reset', afterBytes: 1.25 * MiB }, times, 2);
    },
  },
  transient5xx('a blob', layerPath),
  transient5xx('the manifest', manifestPath),
  {
    name: '429 + Retry-After: 1, once',
    run: async (run) => {
      const onManifest = run.rng.chance(0.5);
      run.label(`429 with Retry-After: 1 on the ${onManifest ? 'manifest' : 'blob'}, once`);
      const gets = await survives(run, onManifest ? manifestPath(run) : layerPath(run), { kind: 'status', status: 429, retryAfter: '1' }, 1);
      const waited = gets.length >= 2 ? gets[1]!.at - gets[0]!.at : 0;
      check(waited >= 900, `the retry came ${waited} ms after a 429 asking for 1 s`);
    },
  },
  {
    name: 'truncated blob, once',
    run: async (run) => {
      const at = run.rng.between(1, run.image.layers[0]!.size - 1);
      run.label(`blob truncated after ${at} bytes, once`);
      const gets = await survives(run, layerPath(run), { kind: 'truncate', afterBytes: at }, 1);
      expectResumed(gets, at, true);
      const sent = gets.reduce((n, g) => n + g.bytes, 0);
      check(sent === run.image.layers[0]!.size, `${sent} bytes sent for a ${run.image.layers[0]!.size}-byte blob`);
    },
  },
  {
    name: 'cross-origin redirect of every blob',
    auth: true,
    run: async (run) => {
      const path = new RegExp(`^/v2/rel/fault-${run.trial}/blobs/`);
      await survives(run, path, { kind: 'redirect' }, Infinity);
      const storage = run.proxy.requests.filter((r) => r.origin === 'storage' && path.test(r.path));
      check(storage.length > 0, 'no blob was fetched from the storage origin');
      const leaked = storage.filter((r) => r.authorization);
      check(leaked.length === 0, `Authorization reached the storage origin on ${leaked.length} of ${storage.length} requests`);
    },
  },
  { name: 'reset before any byte, always', run: (run) => failsCleanly(run, layerPath(run), { kind: 'reset', afterBytes: 0 }, { tries: 3 }) },
  {
    name: '5xx always',
    run: async (run) => {
      const status = run.rng.pick([500, 502, 503, 504]);
      run.label(`${status} on every request of a blob`);
      await failsCleanly(run, layerPath(run), { kind: 'status', status }, { tries: 3 });
    },
  },
  { name: '429 + Retry-After: 1, always', run: (run) => failsCleanly(run, layerPath(run), { kind: 'status', status: 429, retryAfter: '1' }, { tries: 3 }) },
  { name: 'truncated to an empty body, always', run: (run) => failsCleanly(run, layerPath(run), { kind: 'truncate', afterBytes: 0 }, { tries: 3 }) },
  {
    name: 'flipped bytes in a blob',
    run: async (run) => {
      // A blob that fails its digest is fetched once more from the start before the pull gives up.
      if (run.rng.chance(0.5)) {
        run.label('flipped bytes in a blob, once');
        await survives(run, layerPath(run), { kind: 'corrupt' }, 1);
      } else {
        run.label('flipped bytes in a blob, always');
        await failsCleanly(run, layerPath(run), { kind: 'corrupt' }, { tries: 2 });
      }
    },
  },
  {
    name: 'flipped bytes in the manifest',
    run: async (run) => {
      const times = run.rng.pick([1, Infinity]);
      run.label(`flipped bytes in the manifest, ${times === 1 ? 'once' : 'always'}`);
      await failsCleanly(run, manifestPath(run), { kind: 'corrupt' }, { tries: 1, times });
    },
  },
];
