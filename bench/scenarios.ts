import { hoistCold, hoistConcurrent, INSECURE, INSECURE_REGISTRY, podmanCold, ref, skopeoCold, unpackContenders, warmStores } from './contenders.js';
import { FLEET_SCENARIO_IDS, fleetScenarios } from './fleet.js';
import { mb } from './format.js';
import type { GeneratedImage, GeneratedImages } from './generate/images.js';
import { isAbsent, LEFT_OUT, type Absent, type Podman } from './tools.js';
import type { RelayAccuracy, RelayCounter, WanProfile } from './wan-relay.js';

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
  /** The WAN relay the contenders go through: its connections and round trips are counted. */
  relay?: RelayCounter;
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
  'tls-cold-large',
  'wan80-cold-small',
  'wan80-newer',
  'wan20-cold-small',
  'wan20-newer',
  ...FLEET_SCENARIO_IDS,
] as const;

/** The scenarios that need the TLS registry (and the WAN relays in front of it). */
export const TLS_SCENARIO_IDS: readonly string[] = SCENARIO_IDS.filter((id) => id.startsWith('tls-') || id.startsWith('wan'));

/** The round-trip times of the WAN profiles, one relay each. */
export const WAN_RTTS_MS = [80, 20] as const;

export interface RunCounts {
  cold: number;
  small: number;
  warm: number;
  archive: number;
  concurrent: number;
  unpack: number;
  wan: number;
  fleet: number;
}

/** A relay of the bench's (wan-relay.ts) in front of the TLS registry, and the RTT it was measured to add. */
export interface WanLink {
  host: string;
  profile: WanProfile;
  accuracy: RelayAccuracy;
  relay: RelayCounter;
}

/** A registry serving HTTPS with a certificate of the test CA, for the tls- and wan- scenarios. */
export interface TlsRegistry {
  host: string;
  /** A certs.d directory with the CA (`ca.crt`), for --cert-dir and --src-cert-dir. */
  certDir: string;
  links: WanLink[];
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
  /** Started only when a scenario that needs it was chosen; its scenarios are left out otherwise. */
  tls?: TlsRegistry;
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
    ...(ctx.tls === undefined ? [] : tlsScenarios(ctx, ctx.tls)),
    ...fleetScenarios(ctx),
  ];
}

/**
 * Pulls where users feel them: through TLS (hoist's own TLS stack against Go's), and through a
 * WAN relay of RTT 80 ms and 20 ms (200 Mbit/s) in front of the TLS registry, where every round
 * trip a client makes shows.
 */
function tlsScenarios(ctx: ScenarioContext, tls: TlsRegistry): Scenario[] {
  const { large, small } = ctx.images;
  const flags = certFlags(tls);
  const direct = coldRegistry(
    ctx,
    'tls-cold-large',
    `cold pull over TLS (no relay), ${large.layers.length}-layer image (${mb(large.pullBytes)} compressed)`,
    ctx.runs.cold,
    large,
    tls.host,
    flags,
  );
  const wan = tls.links.flatMap((link): Scenario[] => {
    const rtt = link.profile.rttMs;
    const id = (suffix: string) => `wan${rtt}-${suffix}` as Scenario['id'];
    const profile = `RTT ${rtt} ms${link.profile.bytesPerSecond === undefined ? '' : `, ${(link.profile.bytesPerSecond * 8) / 1e6} Mbit/s`}, TLS`;
    const name = ref(link.host, small);
    const warm = warmStores(ctx, { name, image: small, hoist: flags.hoist, podman: flags.podman, skopeo: flags.skopeo, prefix: `warm-wan${rtt}` });
    return [
      {
        ...coldRegistry(
          ctx,
          id('cold-small'),
          `cold pull, 1-layer image (${mb(small.pullBytes)} compressed), ${profile}`,
          ctx.runs.wan,
          small,
          link.host,
          flags,
        ),
        relay: link.relay,
      },
      {
        id: id('newer'),
        title: `\`--policy newer\`, 1-layer image present and unchanged, ${profile}`,
        runs: ctx.runs.wan,
        countsTraffic: false,
        relay: link.relay,
        contenders: [warm.hoist([...flags.hoist, '--policy', 'newer']), ...warm.podmanPull('newer')],
        absent: absentPeers(ctx, ['podman']),
      },
    ];
  });
  return [direct, ...wan];
}

interface TlsFlags {
  hoist: string[];
  podman: string[];
  skopeo: string[];
}

function certFlags(tls: TlsRegistry): TlsFlags {
  return { hoist: ['--cert-dir', tls.certDir], podman: ['--cert-dir', tls.certDir], skopeo: ['--src-cert-dir', tls.certDir] };
}

const PLAIN: TlsFlags = { hoist: INSECURE, podman: INSECURE, skopeo: INSECURE_REGISTRY };

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

function coldRegistry(ctx: ScenarioContext, id: Scenario['id'], title: string, runs: number, image: GeneratedImage, host: string, flags = PLAIN): Scenario {
  const name = ref(host, image);
  return {
    id,
    title,
    runs,
    countsTraffic: false,
    contenders: [
      hoistCold(ctx, name, flags.hoist, image.id),
      ...(isAbsent(ctx.skopeo) ? [] : [skopeoCold(ctx, `docker://${name}`, image, flags.skopeo)]),
      ...(isAbsent(ctx.podman) ? [] : [podmanCold(ctx, ctx.podman, name, flags.podman)]),
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
