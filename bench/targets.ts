import { seconds } from './format.js';
import type { GeneratedImages } from './generate/images.js';
import { fleetTargets } from './fleet.js';
import type { ContenderResult, ScenarioResult } from './runner.js';

/**
 * The targets of issues 6 and 15, checked against one run's results (targets of scenarios that did not
 * run are left out). `met` is null when the peer to compare with is absent.
 */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

type Check = (hoist: ContenderResult, scenario: ScenarioResult, images: GeneratedImages) => Omit<TargetCheck, 'target'>;

const RSS_LIMIT_MIB = 100;
const UNPACK_RSS_LIMIT_MIB = 150;

interface Target {
  scenario: string;
  target: string;
  check: Check;
}

const TARGETS: Target[] = [
  { scenario: 'cold-large', target: 'cold registry pull: wall ≤ 1.0× skopeo', check: ratioTo('skopeo', 1.0) },
  { scenario: 'cold-small', target: 'cold pull of the small image: wall ≤ 1.5× skopeo', check: ratioTo('skopeo', 1.5) },
  { scenario: 'always-unchanged', target: '`always`, unchanged image: ≤ 1.5× podman pull of a present image', check: ratioTo('podman', 1.5) },
  { scenario: 'newer-unchanged', target: '`newer`, unchanged image: ≤ 1.5× podman pull of a present image', check: ratioTo('podman', 1.5) },
  { scenario: 'missing-present', target: '`missing`, present image: ≤ 100 ms and no network request', check: noNetworkWithin(100) },
  {
    scenario: 'missing-present',
    target: '`missing`, present image: ≤ 1.2× podman image exists (or `pull --policy missing` where podman has it)',
    check: ratioTo('podman', 1.2),
  },
  { scenario: 'cold-archive', target: 'cold docker-archive pull: wall ≤ 1.0× skopeo', check: ratioTo('skopeo', 1.0) },
  { scenario: 'concurrent-4', target: 'four concurrent pulls: each blob fetched once', check: blobsFetchedOnce },
  { scenario: 'unpack-large', target: 'unpack from an OCI layout: wall ≤ 0.7× umoci unpack', check: ratioTo('umoci', 0.7) },
  { scenario: 'unpack-large', target: 'unpack: wall ≤ 0.7× podman pull + podman image mount', check: ratioTo('podman', 0.7) },
  ...issue15Targets(),
];

/** Issue 15: where users feel it (TLS, and a WAN of RTT 80 ms through the bench's relays, token auth). */
function issue15Targets(): Target[] {
  return [
    { scenario: 'tls-cold-large', target: 'cold pull over TLS: wall ≤ 1.0× skopeo', check: ratioTo('skopeo', 1.0) },
    { scenario: 'wan80-cold-small', target: 'cold pull of the small image, RTT 80 ms: wall ≤ 0.8× skopeo', check: ratioTo('skopeo', 0.8) },
    { scenario: 'wan80-cold-large', target: 'cold pull of the large image, RTT 80 ms: wall ≤ 1.0× skopeo', check: ratioTo('skopeo', 1.0) },
    { scenario: 'wan80-newer', target: '`newer`, unchanged image, RTT 80 ms: ≤ 0.7× podman pull of a present image', check: ratioTo('podman', 0.7) },
    { scenario: 'wan80-shortname', target: 'short name searched in two registries, RTT 80 ms: wall ≤ 0.7× podman', check: ratioTo('podman', 0.7) },
  ];
}

/**
 * Peak RSS in every scenario that runs hoist: what a pull may take, whatever it pulls from; unpack
 * and export write a whole rootfs and have more room.
 */
function peakRssTargets(results: ScenarioResult[]): Target[] {
  const roomy = ['unpack-large', 'export-large'];
  return results.map(({ id }) => {
    const limit = roomy.includes(id) ? UNPACK_RSS_LIMIT_MIB : RSS_LIMIT_MIB;
    return { scenario: id, target: `${id}: peak RSS ≤ ${limit} MiB`, check: peakRss(limit) };
  });
}

export function checkTargets(results: ScenarioResult[], images: GeneratedImages): TargetCheck[] {
  const checks = [...TARGETS, ...peakRssTargets(results)].flatMap(({ scenario: id, target, check }) => {
    const scenario = results.find((r) => r.id === id);
    const hoist = scenario?.contenders.find((c) => c.tool === 'hoist');
    if (scenario === undefined || hoist === undefined) return [];
    if (hoist.summary === undefined) return [{ target, measured: `hoist failed: ${hoist.error ?? ''}`, met: false }];
    return [{ target, ...check(hoist, scenario, images) }];
  });
  return [...checks, ...fleetTargets(results)];
}

function ratioTo(tool: ContenderResult['tool'], limit: number): Check {
  return (hoist, scenario) => {
    const peer = scenario.contenders.find((c) => c.tool === tool)?.summary;
    if (peer === undefined) return { measured: `${tool} absent or failed`, met: null };
    const ratio = hoist.summary!.medianMs / peer.medianMs;
    return { measured: `${ratio.toFixed(2)}× (${seconds(hoist.summary!.medianMs)} vs ${seconds(peer.medianMs)})`, met: ratio <= limit };
  };
}

function peakRss(limitMiB: number): Check {
  return (hoist) => {
    const kib = hoist.summary!.maxRssKiB;
    if (kib === undefined) return { measured: 'not measured (needs python3)', met: null };
    return { measured: `${(kib / 1024).toFixed(0)} MiB`, met: kib <= limitMiB * 1024 };
  };
}

function noNetworkWithin(limitMs: number): Check {
  return (hoist) => {
    const requests = Math.max(...hoist.samples.map((s) => s.requests ?? 0));
    const ms = hoist.summary!.medianMs;
    return { measured: `${ms.toFixed(0)} ms median, ${requests} request(s)`, met: ms <= limitMs && requests === 0 };
  };
}

function blobsFetchedOnce(hoist: ContenderResult, _scenario: ScenarioResult, images: GeneratedImages): Omit<TargetCheck, 'target'> {
  const fetches = hoist.summary!.maxFetchesPerBlob ?? 0;
  const bytes = Math.max(...hoist.samples.map((s) => s.bytes ?? 0));
  return { measured: `at most ${fetches}× per blob; ${(bytes / images.large.pullBytes).toFixed(2)}× the image's bytes (worst run)`, met: fetches <= 1 };
}
