import { hoistCold, hoistConcurrent, INSECURE, INSECURE_REGISTRY, podmanCold, ref, skopeoCold, unpackContenders, warmStores } from './contenders.js';
import { FLEET_SCENARIO_IDS, fleetScenarios } from './fleet.js';
import { mb } from './format.js';
import type { GeneratedImage, GeneratedImages } from './generate/images.js';
import { isAbsent, LEFT_OUT, type Absent, type Podman } from './tools.js';
import type { WanPlan } from './registry.js';
import { together, type RelayAccuracy, type RelayCounter, type WanProfile } from './wan-relay.js';

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
  'wan80-cold-large',
  'wan80-newer',
  'wan80-always',
  'wan80-shortname',
  'wan20-cold-small',
  'wan20-newer',
  'wan20-always',
  ...FLEET_SCENARIO_IDS,
] as const;

/** The scenarios that need the TLS registry on loopback. */
export const TLS_SCENARIO_IDS: readonly string[] = SCENARIO_IDS.filter((id) => id.startsWith('tls-'));

type WanKind = 'cold-small' | 'cold-large' | 'newer' | 'always' | 'shortname';

/**
 * The WAN profiles by RTT and the scenarios of each (`wan<rtt>-<kind>`): the large image and the
 * short-name search over the WAN cost the most time, so only RTT 80 has them.
 */
export const WAN_SCENARIOS: ReadonlyMap<number, readonly WanKind[]> = new Map([
  [80, ['cold-small', 'cold-large', 'newer', 'always', 'shortname']],
  [20, ['cold-small', 'newer', 'always']],
]);

/** What to start for the chosen scenarios: a site per RTT with one chosen, the large image and the empty site only when needed. */
export function wanPlans(chosen: (id: string) => boolean, images: GeneratedImages): WanPlan[] {
  return [...WAN_SCENARIOS].flatMap(([rttMs, kinds]) => {
    const wanted = kinds.filter((kind) => chosen(`wan${rttMs}-${kind}`));
    if (wanted.length === 0) return [];
    return [{ rttMs, images: wanted.includes('cold-large') ? [images.small, images.large] : [images.small], emptyFirst: wanted.includes('shortname') }];
  });
}

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

/** A registry serving HTTPS with a certificate of the test CA, for the tls- scenarios. */
export interface TlsRegistry {
  host: string;
  /** A certs.d directory with the CA (`ca.crt`), for --cert-dir and --src-cert-dir. */
  certDir: string;
}

/** A TLS registry with token auth behind a relay of the bench's (wan-relay.ts), its token issuer behind another. */
export interface WanSite {
  /** The registry's relay, for image references. */
  host: string;
  /** A certs.d directory with the test CA, which signed the registry's and the issuer's certificates. */
  certDir: string;
  /** `user:password` that the token issuer accepts. */
  creds: string;
  /** The registry's relay and the issuer's. */
  relays: RelayCounter[];
}

/** One WAN profile: what its relays were measured to add, the site holding the images, the short-name search's sites. */
export interface WanLink {
  profile: WanProfile;
  accuracy: RelayAccuracy;
  site: WanSite;
  /** Started only for the short-name scenario. */
  search?: ShortNameSearch;
}

/** A registries.conf (`conf`) whose search for short names tries the `empty` site before the link's own. */
export interface ShortNameSearch {
  empty: WanSite;
  conf: string;
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
  /** The WAN profiles started (see wanPlans); a profile's scenarios are left out when it is not. */
  wan: WanLink[];
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
    ...(ctx.tls === undefined ? [] : [tlsColdLarge(ctx, ctx.tls)]),
    ...ctx.wan.flatMap((link) => wanScenarios(ctx, link)),
    ...fleetScenarios(ctx),
  ];
}

/** A pull where users feel it: through TLS, hoist's own TLS stack against Go's. */
function tlsColdLarge(ctx: ScenarioContext, tls: TlsRegistry): Scenario {
  const { large } = ctx.images;
  const flags: TlsFlags = { hoist: ['--cert-dir', tls.certDir], podman: ['--cert-dir', tls.certDir], skopeo: ['--src-cert-dir', tls.certDir] };
  const title = `cold pull over TLS (no relay), ${large.layers.length}-layer image (${mb(large.pullBytes)} compressed)`;
  return coldRegistry(ctx, 'tls-cold-large', title, ctx.runs.cold, large, tls.host, flags);
}

/**
 * Pulls over a WAN (a relay per direction, 200 Mbit/s) from a registry like Docker Hub's: TLS,
 * token auth with the issuer as far away as the registry, where every round trip a client makes
 * shows. The relays' connections and round trips are counted (all the relays a scenario uses).
 */
function wanScenarios(ctx: ScenarioContext, link: WanLink): Scenario[] {
  const { large, small } = ctx.images;
  const { site, profile } = link;
  const rtt = profile.rttMs;
  const id = (kind: WanKind) => `wan${rtt}-${kind}` as Scenario['id'];
  const over = `RTT ${rtt} ms${profile.bytesPerSecond === undefined ? '' : `, ${(profile.bytesPerSecond * 8) / 1e6} Mbit/s`}, TLS, token auth`;
  const flags = siteFlags(site);
  const relay = together(site.relays);
  const warm = warmStores(ctx, { name: ref(site.host, small), image: small, ...flags, prefix: `warm-wan${rtt}` });
  const onPresent = (policy: 'newer' | 'always'): Scenario => ({
    id: id(policy),
    title: `\`--policy ${policy}\`, 1-layer image present and unchanged, ${over}`,
    runs: ctx.runs.wan,
    countsTraffic: false,
    relay,
    contenders: [warm.hoist([...flags.hoist, '--policy', policy]), ...warm.podmanPull(policy)],
    absent: absentPeers(ctx, ['podman']),
  });
  const build: Record<WanKind, () => Scenario | undefined> = {
    'cold-small': () => ({
      ...coldRegistry(ctx, id('cold-small'), `cold pull, 1-layer image (${mb(small.pullBytes)} compressed), ${over}`, ctx.runs.wan, small, site.host, flags),
      relay,
    }),
    // skopeo is the peer to beat; podman's unpacking of 300 MB would add minutes and say little more.
    'cold-large': () => ({
      ...coldRegistry(
        ctx,
        id('cold-large'),
        `cold pull, ${large.layers.length}-layer image (${mb(large.pullBytes)} compressed), ${over}`,
        ctx.runs.cold,
        large,
        site.host,
        flags,
        ['skopeo'],
      ),
      relay,
    }),
    newer: () => onPresent('newer'),
    always: () => onPresent('always'),
    shortname: () => (link.search === undefined ? undefined : shortNameScenario(ctx, link, link.search, over)),
  };
  return (WAN_SCENARIOS.get(rtt) ?? []).flatMap((kind) => build[kind]() ?? []);
}

/**
 * A short name (`bench/small:TAG`) searched in two registries, the first of which lacks it: each
 * tool must ask the empty site, hear "unknown", and go on to the next. skopeo has no short names.
 */
function shortNameScenario(ctx: ScenarioContext, link: WanLink, search: ShortNameSearch, over: string): Scenario {
  const { small } = ctx.images;
  const flags = siteFlags(link.site);
  const name = `${small.repository}:${small.tag}`;
  return {
    id: `wan${link.profile.rttMs}-shortname` as Scenario['id'],
    title: `cold pull of a short name, searched in an empty registry first, then the one holding it (1-layer image), ${over}`,
    runs: ctx.runs.wan,
    countsTraffic: false,
    relay: together([...search.empty.relays, ...link.site.relays]),
    contenders: [
      hoistCold(ctx, name, [...flags.hoist, '--registries-conf', search.conf], small.id),
      ...(isAbsent(ctx.podman) ? [] : [podmanCold(ctx, ctx.podman, name, flags.podman, { CONTAINERS_REGISTRIES_CONF: search.conf })]),
    ],
    absent: absentPeers(ctx, ['podman']),
  };
}

interface TlsFlags {
  hoist: string[];
  podman: string[];
  skopeo: string[];
}

/** The test CA and the credentials the site's token issuer accepts, as each tool takes them. */
function siteFlags(site: WanSite): TlsFlags {
  const { certDir, creds } = site;
  return {
    hoist: ['--cert-dir', certDir, '--creds', creds],
    podman: ['--cert-dir', certDir, '--creds', creds],
    skopeo: ['--src-cert-dir', certDir, '--src-creds', creds],
  };
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

function coldRegistry(
  ctx: ScenarioContext,
  id: Scenario['id'],
  title: string,
  runs: number,
  image: GeneratedImage,
  host: string,
  flags = PLAIN,
  peers: ('skopeo' | 'podman')[] = ['skopeo', 'podman'],
): Scenario {
  const name = ref(host, image);
  return {
    id,
    title,
    runs,
    countsTraffic: false,
    contenders: [
      hoistCold(ctx, name, flags.hoist, image.id),
      ...(isAbsent(ctx.skopeo) || !peers.includes('skopeo') ? [] : [skopeoCold(ctx, `docker://${name}`, image, flags.skopeo)]),
      ...(isAbsent(ctx.podman) || !peers.includes('podman') ? [] : [podmanCold(ctx, ctx.podman, name, flags.podman)]),
    ],
    absent: absentPeers(ctx, peers),
  };
}

function absentPeers(ctx: ScenarioContext, peers: ('skopeo' | 'podman' | 'umoci')[]): string[] {
  return peers.flatMap((peer) => {
    const found = ctx[peer];
    return isAbsent(found) && found !== LEFT_OUT ? [`${peer}: ${found.absent}`] : [];
  });
}
