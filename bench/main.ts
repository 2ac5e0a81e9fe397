import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startCountingProxy } from './counting-proxy.js';
import { generatedImages } from './generate/images.js';
import { currentLoad, describeMachine } from './machine.js';
import { rusageAvailable } from './measure.js';
import { isStandardRun, parseOptions } from './options.js';
import { profileHoist } from './profiling.js';
import { startFleetIfChosen, stopFleet } from './fleet.js';
import { registryWith, tlsRegistryWith, wanLinksWith, type WanPlan } from './registry.js';
import { describeImages, textReport, writeReports, type BenchReport } from './report.js';
import { runScenario, type ScenarioResult } from './runner.js';
import { scenarios, TLS_SCENARIO_IDS, wanPlans, withComparison } from './scenarios.js';
import { checkTargets } from './targets.js';
import { LEFT_OUT, probePodman, REPO_ROOT, removePodmanRoot, versionOf } from './tools.js';

/**
 * `npm run bench`: generates (or reuses) the images, starts a registry with a counting proxy in
 * front, runs every scenario with hoist and its peers, and reports. Progress goes to stderr, the
 * table to stdout, the results of a full run to bench/results/latest.{json,md}.
 */
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const images = await generatedImages(join(REPO_ROOT, 'bench', '.cache'), options.scale, log);
  // Lowercase only: podman names an image pulled from `oci:PATH:TAG` after PATH, and refuses
  // uppercase. Short: podman refuses a --runroot of more than 50 characters.
  const workDir = join(tmpdir(), `hoist-bench-${randomBytes(3).toString('hex')}`);
  await mkdir(workDir);
  log('registry: starting and pushing the images…');
  const registry = await registryWith([images.large, images.small]);
  const proxy = await startCountingProxy(registry.host);
  let tlsRegistry: Awaited<ReturnType<typeof tlsRegistryWith>> | undefined;
  let wan: Awaited<ReturnType<typeof wanLinksWith>> | undefined;
  try {
    if (options.profile) {
      process.stdout.write(await profileHoist(options.hoistCli, images, registry.host, workDir, join(REPO_ROOT, 'bench', '.cache', 'profiles'), log));
      return 0;
    }
    const skopeo = options.noPeers ? LEFT_OUT : versionOf('skopeo');
    const podman = options.noPeers ? LEFT_OUT : await probePodman(`${registry.host}/${images.small.repository}:${images.small.tag}`, workDir);
    const umoci = options.noPeers ? LEFT_OUT : versionOf('umoci');
    const machine = describeMachine(skopeo, podman, umoci);
    log(`peers: ${machine.skopeo}; ${machine.podman}; ${machine.umoci}`);
    const layout = join(workDir, 'layout-large');
    const isChosen = (id: string) => options.only.length === 0 || options.only.includes(id);
    if (TLS_SCENARIO_IDS.some(isChosen)) {
      log('tls registry: starting, pushing the large image…');
      tlsRegistry = await tlsRegistryWith([images.large]);
    }
    await startFleetIfChosen(options.only, proxy, images.small, workDir, log);
    const tls = tlsRegistry?.tls;
    wan = await startWan(wanPlans(isChosen, images), workDir);
    const context = {
      images,
      registryHost: registry.host,
      proxyHost: proxy.host,
      skopeo,
      podman,
      umoci,
      layout,
      runs: options.runs,
      workDir,
      ...(tls !== undefined ? { tls } : {}),
      wan: wan?.links ?? [],
    };
    const own = scenarios({ ...context, hoistCli: options.hoistCli, hoistLabel: 'hoist' });
    const all = options.compareCli === undefined ? own : withComparison(own, scenarios({ ...context, hoistCli: options.compareCli, hoistLabel: 'hoist B' }));
    const chosen = options.only.length === 0 ? all : all.filter((s) => options.only.includes(s.id));
    const results: ScenarioResult[] = [];
    for (const scenario of chosen) {
      log(`scenario ${scenario.id}: ${scenario.title}`);
      results.push(await runScenario(scenario, proxy, log));
    }
    machine.load.end = currentLoad();
    const report: BenchReport = {
      command: options.command,
      date: new Date().toISOString(),
      hoist: relative(REPO_ROOT, options.hoistCli),
      ...(options.compareCli !== undefined ? { compare: options.compareCli } : {}),
      machine,
      images: describeImages(images),
      ...(wan !== undefined ? { wan: wan.links.map((l) => ({ ...l.profile, ...l.accuracy })) } : {}),
      scenarios: results,
      targets: checkTargets(results, images),
      rusage: rusageAvailable,
    };
    process.stdout.write(textReport(report));
    // Only a standard run may replace the published results; others land in the cache.
    const [dir, name] = isStandardRun(options) ? ['bench/results', 'latest'] : ['bench/.cache', 'last-run'];
    await writeReports(report, join(REPO_ROOT, dir, `${name}.json`), join(REPO_ROOT, dir, `${name}.md`));
    log(`written: ${dir}/${name}.json, ${dir}/${name}.md`);
    return results.some((r) => r.contenders.some((c) => c.tool === 'hoist' && c.error !== undefined)) ? 1 : 0;
  } finally {
    await stopFleet();
    await proxy.stop();
    await wan?.stop();
    await tlsRegistry?.stop();
    await registry.stop();
    await removePodmanRoot(workDir);
  }
}

/** The WAN profiles the chosen scenarios need (none: undefined), each measured, its sites started. */
async function startWan(plans: WanPlan[], workDir: string): Promise<Awaited<ReturnType<typeof wanLinksWith>> | undefined> {
  if (plans.length === 0) return undefined;
  log(`wan: measuring the relays, starting the token-auth registries and their relays (RTT ${plans.map((p) => p.rttMs).join(', ')} ms)…`);
  return wanLinksWith(plans, workDir, log);
}

process.exitCode = await main();
