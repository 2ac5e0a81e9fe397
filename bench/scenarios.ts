import { hoistCold, hoistConcurrent, INSECURE_REGISTRY, podmanCold, ref, skopeoCold, unpackContenders, warmStores } from './contenders.js';
import { mb } from './format.js';
import type { GeneratedImage, GeneratedImages } from './generate/images.js';
import { isAbsent, LEFT_OUT, type Absent, type Podman } from './tools.js';

/** One timed run of a contender: the processes started together, and how to clean up after. */
export interface PreparedRun {
  commands: string[][];
  env?: NodeJS.ProcessEnv;
  /** Each process must print this image ID on stdout (a check that the pull really happened). */
  expectId?: string;
  cleanup?: () => Promise<void>;
}

export interface Contender {
  label: string;
  tool: 'hoist' | 'skopeo' | 'podman' | 'umoci';
  /** The command line, for the report (with placeholders for temp paths). */
  shows: string;
  /** What a reader must know to compare it fairly (e.g. the closest equivalent a peer has). */
  note?: string;
  prepare(): Promise<PreparedRun>;
}

export interface Scenario {
  id: (typeof SCENARIO_IDS)[number];
  title: string;
  runs: number;
  /** Requests and response bytes are counted (the contenders go through the counting proxy). */
  countsTraffic: boolean;
  contenders: Contender[];
  /** Peers that would belong here but are absent, with the reason. */
  absent: string[];
}

export const SCENARIO_IDS = [
  'cold-large',
  'cold-small',
  'always-unchanged',
  'newer-unchanged',
  'missing-present',
  'cold-archive',
  'concurrent-4',
  'unpack-large',
  'export-large',
] as const;

export interface RunCounts {
  cold: number;
  small: number;
  warm: number;
  archive: number;
  concurrent: number;
  unpack: number;
}

export interface ScenarioContext {
  images: GeneratedImages;
  /** The hoist CLI under test, and its label ('hoist', or 'hoist B' for a build compared with it). */
  hoistCli: string;
  hoistLabel: string;
  registryHost: string;
  proxyHost: string;
  skopeo: string | Absent;
  podman: Podman | Absent;
  umoci: string | Absent;
  /** Where the OCI layout of the large image is written, on first use (the unpack and export scenarios). */
  layout: string;
  runs: RunCounts;
  /** Scratch space for stores; removed by the caller. */
  workDir: string;
}

/** Every scenario in the order they run; warm ones share stores that are filled once, untimed. */
export function scenarios(ctx: ScenarioContext): Scenario[] {
  const { images, registryHost, proxyHost } = ctx;
  const { large, small } = images;
  const warm = warmStores(ctx);
  const unpacking = unpackContenders(ctx);
  const unpacked = mb(large.layers.reduce((sum, l) => sum + l.tarSize, 0));
  const archive = `docker-archive:${images.archive.path}`;
  return [
    coldRegistry(ctx, 'cold-large', `cold pull, ${large.layers.length}-layer image (${mb(large.pullBytes)} compressed)`, ctx.runs.cold, large, registryHost),
    coldRegistry(ctx, 'cold-small', `cold pull, 1-layer image (${mb(small.pullBytes)} compressed)`, ctx.runs.small, small, registryHost),
    {
      id: 'always-unchanged',
      title: '`--policy always`, image present and unchanged',
      runs: ctx.runs.warm,
      countsTraffic: true,
      contenders: [warm.hoist(['--tls-verify=false', '--policy', 'always']), ...warm.podmanPull('always'), ...warm.skopeo()],
      absent: absentPeers(ctx, ['skopeo', 'podman']),
    },
    {
      id: 'newer-unchanged',
      title: '`--policy newer`, image present and unchanged',
      runs: ctx.runs.warm,
      countsTraffic: true,
      contenders: [warm.hoist(['--tls-verify=false', '--policy', 'newer']), ...warm.podmanPull('newer')],
      absent: absentPeers(ctx, ['podman']),
    },
    {
      id: 'missing-present',
      title: '`--policy missing`, image present',
      runs: ctx.runs.warm,
      countsTraffic: true,
      contenders: [warm.hoist(['--tls-verify=false', '--policy', 'missing']), ...warm.podmanMissing()],
      absent: absentPeers(ctx, ['podman']),
    },
    {
      id: 'cold-archive',
      title: `cold pull of a docker-archive (${mb(images.archive.size)}, uncompressed layers)`,
      runs: ctx.runs.archive,
      countsTraffic: false,
      contenders: [
        hoistCold(ctx, archive, [], large.id),
        ...(isAbsent(ctx.skopeo) ? [] : [skopeoCold(ctx, archive, large, ['--dest-oci-accept-uncompressed-layers'])]),
        ...(isAbsent(ctx.podman) ? [] : [podmanCold(ctx, ctx.podman, archive, [])]),
      ],
      absent: absentPeers(ctx, ['skopeo', 'podman']),
    },
    {
      id: 'concurrent-4',
      title: 'four concurrent `hoist pull` of one cold image into one store',
      runs: ctx.runs.concurrent,
      countsTraffic: true,
      contenders: [hoistConcurrent(ctx, ref(proxyHost, large), large.id, 4)],
      absent: [],
    },
    {
      id: 'unpack-large',
      title: `unpack of the ${large.layers.length}-layer image (${unpacked} uncompressed) from an OCI layout on disk`,
      runs: ctx.runs.unpack,
      countsTraffic: false,
      contenders: [unpacking.hoistUnpack(), ...unpacking.umoci(), ...unpacking.podman()],
      absent: absentPeers(ctx, ['umoci', 'podman']),
    },
    {
      id: 'export-large',
      title: `export of the ${large.layers.length}-layer image as one flattened tar`,
      runs: ctx.runs.unpack,
      countsTraffic: false,
      contenders: [unpacking.hoistExport()],
      absent: [],
    },
  ];
}

/**
 * The scenarios of hoist A (with its peers) with the hoist contenders of build B run beside A's,
 * alternating with them, so that one run measures what a change bought.
 */
export function withComparison(a: Scenario[], b: Scenario[]): Scenario[] {
  return a.map((scenario, i) => {
    const isHoist = (c: Contender) => c.tool === 'hoist';
    const contenders = [...scenario.contenders.filter(isHoist), ...b[i]!.contenders.filter(isHoist), ...scenario.contenders.filter((c) => !isHoist(c))];
    return { ...scenario, contenders };
  });
}

function coldRegistry(ctx: ScenarioContext, id: Scenario['id'], title: string, runs: number, image: GeneratedImage, host: string): Scenario {
  const name = ref(host, image);
  return {
    id,
    title,
    runs,
    countsTraffic: false,
    contenders: [
      hoistCold(ctx, name, ['--tls-verify=false'], image.id),
      ...(isAbsent(ctx.skopeo) ? [] : [skopeoCold(ctx, `docker://${name}`, image, INSECURE_REGISTRY)]),
      ...(isAbsent(ctx.podman) ? [] : [podmanCold(ctx, ctx.podman, name, ['--tls-verify=false'])]),
    ],
    absent: absentPeers(ctx, ['skopeo', 'podman']),
  };
}

function absentPeers(ctx: ScenarioContext, peers: ('skopeo' | 'podman' | 'umoci')[]): string[] {
  return peers.flatMap((peer) => {
    const found = ctx[peer];
    return isAbsent(found) && found !== LEFT_OUT ? [`${peer}: ${found.absent}`] : [];
  });
}
