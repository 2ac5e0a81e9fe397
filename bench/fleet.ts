import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, type FaultProxy } from '../test/helpers/fault-proxy.js';
import { startRegistry, type RegistryHandle } from '../test/helpers/registry.js';
import type { CountingProxy } from './counting-proxy.js';
import { measure } from './measure.js';
import { mb, seconds } from './format.js';
import type { GeneratedImage } from './generate/images.js';
import type { ContenderResult, ScenarioResult } from './runner.js';
import type { Contender, PreparedRun, Scenario, ScenarioContext } from './scenarios.js';
import type { TargetCheck } from './targets.js';
import { hoistEnv, hoistPull, isAbsent, LEFT_OUT, podmanArgs, removePodmanRoot, REPO_ROOT, type Podman } from './tools.js';
import { measureAddedRtt, startWanRelay, WAN_BANDWIDTH, type WanProfile, type WanRelay } from './wan-relay.js';

/**
 * Issue 15's fleet: N machines pulling one image at once through a pull-through cache (a
 * `docker-registry` with `proxy.remoteurl`, registries.conf's mirror of the origin), the origin
 * far away behind the WAN relay. The bench's counting proxy sits between the relay and the
 * origin registry, so a run's traffic column is what the origin served:
 *
 *   N × (hoist | podman) → cache → WAN relay (RTT 80 ms, 200 Mbit/s) → counting proxy → registry
 *
 * Cold: a fresh, empty cache per run. Warm: one cache, filled by one pull before the runs
 * (untimed). Cut: the warm cache behind a proxy that resets each pull's layer half-way, as a cache
 * failing mid-pull does; the rest must come from the origin, and only the rest.
 */
export const FLEET_SCENARIO_IDS = ['fleet-cold-1', 'fleet-cold-4', 'fleet-cold-16', 'fleet-warm-1', 'fleet-warm-4', 'fleet-warm-16', 'fleet-cut-16'] as const;

type FleetId = (typeof FLEET_SCENARIO_IDS)[number];

const FLEET_SIZES = [1, 4, 16] as const;
const CUT_FLEET = 16;
const PROFILE: WanProfile = { rttMs: 80, bytesPerSecond: WAN_BANDWIDTH };

/** What startFleet set up, for the scenarios and the targets; none when no fleet scenario was chosen. */
interface Fleet {
  /** The origin as every machine and the cache reach it: the WAN relay. */
  origin: WanRelay;
  image: GeneratedImage;
  proxy: CountingProxy;
  workDir: string;
  /** The one warm cache, filled on first use and shared by the warm and cut scenarios. */
  warmCache?: Promise<RegistryHandle>;
}

let fleet: Fleet | undefined;

/**
 * Starts the fleet's origin when a fleet scenario is chosen: a WAN relay in front of the bench's
 * counting proxy, in front of the bench's registry, which has the small image.
 */
export async function startFleetIfChosen(
  only: readonly string[],
  proxy: CountingProxy,
  small: GeneratedImage,
  workDir: string,
  log: (line: string) => void,
): Promise<void> {
  if (only.length > 0 && !only.some((id) => (FLEET_SCENARIO_IDS as readonly string[]).includes(id))) return;
  const accuracy = await measureAddedRtt(PROFILE);
  log(`fleet origin relay: RTT ${PROFILE.rttMs} ms configured, ${accuracy.addedRttMs.toFixed(1)} ms added (median of ${accuracy.rounds} round trips)`);
  fleet = { origin: await startWanRelay(proxy.host, PROFILE), image: small, proxy, workDir };
}

export async function stopFleet(): Promise<void> {
  const running = fleet;
  fleet = undefined;
  await running?.origin.stop();
  await (await running?.warmCache?.catch(() => undefined))?.stop();
}

/** The fleet scenarios, when startFleetIfChosen started the fleet's origin. */
export function fleetScenarios(ctx: ScenarioContext): Scenario[] {
  const running = fleet;
  if (running === undefined) return [];
  const { image } = running;
  const what = `the 1-layer image (${mb(image.pullBytes)}) through a pull-through cache, origin at RTT ${PROFILE.rttMs} ms`;
  const scenario = (id: FleetId, title: string, cache: CacheFor, processes: number): Scenario => ({
    id,
    title,
    runs: ctx.runs.fleet,
    countsTraffic: true,
    contenders: [
      hoistFleet(ctx, running, cache, processes),
      ...(isAbsent(ctx.podman) ? [] : [podmanFleet(ctx.podman, running, cache, processes, ctx.hoistCli)]),
    ],
    absent: isAbsent(ctx.podman) && ctx.podman !== LEFT_OUT ? [`podman: ${ctx.podman.absent}`] : [],
  });
  return [
    ...FLEET_SIZES.map((n) => scenario(`fleet-cold-${n}`, `${n} at once: ${what}, cold cache (fresh and empty per run)`, coldCache, n)),
    ...FLEET_SIZES.map((n) => scenario(`fleet-warm-${n}`, `${n} at once: ${what}, warm cache (filled by one pull before the runs)`, warmCache, n)),
    scenario(
      `fleet-cut-${CUT_FLEET}`,
      `${CUT_FLEET} at once: ${what}, warm cache cutting each pull's layer half-way (connection reset)`,
      cutCache(CUT_FLEET),
      CUT_FLEET,
    ),
  ];
}

/** Where a run's machines find the cache (`mirror`), and what to stop after the run. */
interface RunCache {
  mirror: string;
  stop(): Promise<void>;
}

/** The cache of one run; `hoistCli` fills a warm one. */
type CacheFor = (running: Fleet, hoistCli: string) => Promise<RunCache>;

/** A pull-through cache of the origin, as a fleet runs one: the origin's address as its proxy.remoteurl. */
const startCache = (running: Fleet) => startRegistry({ proxyRemoteUrl: `http://${running.origin.host}` });

const coldCache: CacheFor = async (running) => {
  const cache = await startCache(running);
  return { mirror: cache.host, stop: () => cache.stop() };
};

const warmCache: CacheFor = async (running, hoistCli) => ({ mirror: (await sharedWarmCache(running, hoistCli)).host, stop: async () => {} });

/** The warm cache behind a fault proxy that resets the layer's response after half its bytes, once per machine. */
function cutCache(processes: number): CacheFor {
  return async (running, hoistCli) => {
    const cut: FaultProxy = await startFaultProxy(await sharedWarmCache(running, hoistCli));
    const layer = running.image.layers[0]!;
    cut.inject({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}$`), fault: { kind: 'reset', afterBytes: cutAt(layer.size) }, times: processes });
    return { mirror: cut.host, stop: () => cut.stop() };
  };
}

/** Where the cut cache resets the layer: what the origin still has to send is the rest. */
const cutAt = (size: number) => Math.floor(size / 2);

/**
 * The cache of the warm scenarios, filled by one hoist pull (untimed) and then left until the
 * origin has been quiet for a second: distribution stores a blob it proxies with a fetch of its
 * own, in the background, which may outlast the pull.
 */
function sharedWarmCache(running: Fleet, hoistCli: string): Promise<RegistryHandle> {
  running.warmCache ??= (async () => {
    const cache = await startCache(running);
    const dir = await mkdtemp(join(running.workDir, 'fleet-warming-'));
    try {
      const conf = await writeRegistriesConf(dir, running, cache.host);
      const sample = await measure(hoistPull(hoistCli, join(dir, 'store'), imageName(running), ['--registries-conf', conf]), hoistEnv());
      if (sample.exitCode !== 0) throw new Error(`warming the fleet's cache failed: ${sample.stderr.trim()}`);
      await originQuiet(running.proxy);
      return cache;
    } catch (err) {
      await cache.stop();
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return running.warmCache;
}

async function originQuiet(proxy: CountingProxy): Promise<void> {
  for (let last = -1; ; ) {
    const { requests, bytes } = proxy.counts();
    if (requests + bytes === last) return;
    last = requests + bytes;
    await sleep(1000);
  }
}

/** The image as the machines name it: on the origin, which registries.conf mirrors. */
const imageName = (running: Fleet) => `${running.origin.host}/${running.image.repository}:${running.image.tag}`;

/** registries.conf as a fleet machine has it: the origin, and the cache as its mirror (plain HTTP both). */
async function writeRegistriesConf(dir: string, running: Fleet, mirror: string): Promise<string> {
  const file = join(dir, 'registries.conf');
  await writeFile(file, `[[registry]]\nlocation = "${running.origin.host}"\ninsecure = true\n\n[[registry.mirror]]\nlocation = "${mirror}"\ninsecure = true\n`);
  return file;
}

/**
 * One run of `processes` machines: a fresh directory with the registries.conf naming this run's
 * cache and a store per machine (short paths: podman refuses a --runroot of more than 50 characters).
 */
async function prepareFleet(
  running: Fleet,
  cacheFor: CacheFor,
  hoistCli: string,
  processes: number,
  machine: (root: string, conf: string) => string[],
): Promise<{ commands: string[][]; conf: string; cleanup: () => Promise<void> }> {
  const cache = await cacheFor(running, hoistCli);
  const dir = await mkdtemp(join(running.workDir, 'fl-'));
  const conf = await writeRegistriesConf(dir, running, cache.mirror);
  return {
    commands: Array.from({ length: processes }, (_, i) => machine(join(dir, String(i)), conf)),
    conf,
    cleanup: async () => {
      await cache.stop();
      await removePodmanRoot(dir);
    },
  };
}

const SHOWN_NAME = '$ORIGIN/bench/small:latest';

function hoistFleet(ctx: ScenarioContext, running: Fleet, cacheFor: CacheFor, processes: number): Contender {
  return {
    label: `${ctx.hoistLabel} ×${processes}`,
    tool: 'hoist',
    note: "$ORIGIN is the WAN relay in front of the origin (the counting proxy, then $REGISTRY); $CONF a registries.conf naming this run's cache as $ORIGIN's mirror; $EMPTY_i a fresh store per process",
    shows: `${processes}× node ${relative(REPO_ROOT, ctx.hoistCli)} --root $EMPTY_i pull --registries-conf $CONF ${SHOWN_NAME} (at once, a store each)`,
    async prepare(): Promise<PreparedRun> {
      const run = await prepareFleet(running, cacheFor, ctx.hoistCli, processes, (root, conf) =>
        hoistPull(ctx.hoistCli, root, imageName(running), ['--registries-conf', conf]),
      );
      return { commands: run.commands, env: hoistEnv(), expectId: running.image.id, cleanup: run.cleanup };
    },
  };
}

function podmanFleet(podman: Podman, running: Fleet, cacheFor: CacheFor, processes: number, hoistCli: string): Contender {
  return {
    label: `podman (${podman.driver}) ×${processes}`,
    tool: 'podman',
    note: 'podman also unpacks the layer into its storage; CONTAINERS_REGISTRIES_CONF names the same registries.conf',
    shows: `${processes}× CONTAINERS_REGISTRIES_CONF=$CONF ${podmanArgs(podman, '$EMPTY_i', ['pull', SHOWN_NAME]).join(' ')} (at once)`,
    async prepare(): Promise<PreparedRun> {
      const run = await prepareFleet(running, cacheFor, hoistCli, processes, (root) => podmanArgs(podman, root, ['pull', imageName(running)]));
      return { commands: run.commands, env: { ...process.env, CONTAINERS_REGISTRIES_CONF: run.conf }, cleanup: run.cleanup };
    },
  };
}

/** Issue 15's fleet targets, from the fleet scenarios that ran (none when none did). */
export function fleetTargets(results: ScenarioResult[]): TargetCheck[] {
  const hoistOf = (id: FleetId): ContenderResult | undefined => results.find((r) => r.id === id)?.contenders.find((c) => c.tool === 'hoist');
  const checks: TargetCheck[] = [];
  const warm = FLEET_SIZES.map((n) => [n, hoistOf(`fleet-warm-${n}`)] as const).filter(([, hoist]) => hoist !== undefined);
  if (warm.length > 0) checks.push({ target: 'fleet, warm cache: the origin serves 0 image bytes (N = 1, 4, 16)', ...warmCostsNothing(warm) });
  for (const temperature of ['cold', 'warm'] as const) {
    const one = hoistOf(`fleet-${temperature}-1`);
    const sixteen = hoistOf(`fleet-${temperature}-16`);
    if (one !== undefined && sixteen !== undefined) {
      checks.push({ target: `fleet, ${temperature} cache: wall at N = 16 ≤ 4× N = 1`, ...scales(one, sixteen, 4) });
    }
  }
  const cut = hoistOf(`fleet-cut-${CUT_FLEET}`);
  if (cut !== undefined && fleet !== undefined) {
    checks.push({ target: 'fleet, cache failing part-way: what it delivered is kept (no blob twice from one hoist)', ...keepsDelivered(cut, fleet.image) });
  }
  return checks;
}

type Measured = Omit<TargetCheck, 'target'>;

const worst = (hoist: ContenderResult, field: 'bytes' | 'requests') => Math.max(...hoist.samples.map((s) => s[field] ?? 0));

/**
 * With a warm cache, distribution still asks the origin for each pull: a `/v2/` ping (answered
 * `{}`) and a HEAD of the tag (no body). So 0 image bytes is: no blob GET, and no response larger
 * than the ping's 2 bytes.
 */
function warmCostsNothing(warm: (readonly [number, ContenderResult | undefined])[]): Measured {
  if (warm.some(([, hoist]) => hoist!.summary === undefined)) return { measured: 'hoist failed', met: false };
  const parts = warm.map(([n, hoist]) => `N = ${n}: ${worst(hoist!, 'bytes')} B in ${worst(hoist!, 'requests')} req`);
  const nothing = (hoist: ContenderResult) => (hoist.summary!.maxFetchesPerBlob ?? 0) === 0 && worst(hoist, 'bytes') <= PING_BYTES * worst(hoist, 'requests');
  return { measured: `${parts.join('; ')} (worst run; ${PING_BYTES} B per \`/v2/\` ping)`, met: warm.every(([, hoist]) => nothing(hoist!)) };
}

/** The body of a `/v2/` answer: `{}`. */
const PING_BYTES = 2;

function scales(one: ContenderResult, many: ContenderResult, limit: number): Measured {
  if (one.summary === undefined || many.summary === undefined) return { measured: 'hoist failed', met: false };
  const ratio = many.summary.medianMs / one.summary.medianMs;
  return { measured: `${ratio.toFixed(2)}× (${seconds(many.summary.medianMs)} vs ${seconds(one.summary.medianMs)})`, met: ratio <= limit };
}

/**
 * Each machine got the manifest, the config and half the layer from the cache: the origin should
 * serve each one the other half (a Range request) and nothing else, so at most one GET per blob
 * per machine and no more bytes than N halves (and the `/v2/` pings' 2 bytes, of the machines and of the cache).
 */
function keepsDelivered(cut: ContenderResult, image: GeneratedImage): Measured {
  if (cut.summary === undefined) return { measured: `hoist failed: ${cut.error ?? ''}`, met: false };
  const layer = image.layers[0]!;
  const rest = CUT_FLEET * (layer.size - cutAt(layer.size));
  const bytes = worst(cut, 'bytes');
  const fetches = cut.summary.maxFetchesPerBlob ?? 0;
  return {
    measured: `origin: ${mb(bytes)} (${(bytes / rest).toFixed(2)}× the undelivered halves), ≤${fetches} GETs per blob for ${CUT_FLEET} machines (worst run)`,
    met: fetches <= CUT_FLEET && bytes <= rest + PING_BYTES * worst(cut, 'requests'),
  };
}
