import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildImage, type FixtureImage } from '../helpers/images.js';
import { checkStore, readStoreFiles } from './check-store.js';
import { downloadedBlobs, MiB, randomImage, randomLayers, writeDockerArchive, writeOciArchive } from './fixtures.js';
import { evidenceOf, expectPulled } from './outcomes.js';
import { trialRng, type Rng } from './rng.js';
import { expectFetchedOnlyMissing } from './traffic.js';
import { check, checkAll, type Category } from './trial.js';
import type { HoistRun, Ran, World } from './world.js';

/**
 * SIGKILL at a random moment of a pull (into an empty store, or beside an image sharing a layer),
 * an rmi, and docker-archive: / oci-archive: pulls. After each: the store check; then the next
 * command succeeds, fetches only what is missing (a partial blob is resumed, not fetched again),
 * and afterwards tmp/ holds nothing of the killed process.
 */
export const kill9: Category = {
  name: 'kill-9',
  checked:
    'SIGKILL at a random moment of pull, pull beside a sibling, rmi, docker-archive: and oci-archive: pulls; store check after the kill; the next pull succeeds, fetches only the missing bytes (counted at the proxy; partial blobs resumed) and leaves no temp file of the dead process',
  count: (profile) => profile.trials['kill-9']!,
  async run(ctx) {
    const world = await ctx.world();
    const setup = await prepare(world, trialRng(ctx.seed, 'kill-9', -1), ctx.log);
    const scenarios = [pullCold, pullBesideSibling, rmi, archivePull('docker-archive'), archivePull('oci-archive')];
    const results = [];
    let midRun = 0;
    for (const trial of ctx.trials(ctx.profile.trials['kill-9']!)) {
      const scenario = scenarios[trial % scenarios.length]!;
      results.push(
        await ctx.trial(trial, async (rng, label) => {
          if (await scenario(world, setup, rng, label)) midRun++;
        }),
      );
    }
    ctx.log(`${midRun} of ${results.length} kills landed while the command ran`);
    return results;
  },
};

interface Setup {
  main: FixtureImage;
  /** Shares main's largest layer. */
  sibling: FixtureImage;
  mainName: string;
  siblingName: string;
  archives: Record<'docker-archive' | 'oci-archive', { path: string; image: FixtureImage; name: string }>;
  /** How long each operation takes when nothing interrupts it: the range the kill falls in. */
  durations: Record<'pull' | 'rmi' | 'docker-archive' | 'oci-archive', number>;
}

async function prepare(world: World, rng: Rng, log: (line: string) => void): Promise<Setup> {
  const layers = randomLayers(rng, [6 * MiB, 3 * MiB, 1 * MiB]);
  const main = buildImage({ layers });
  const sibling = buildImage({ layers: [layers[0]!, ...randomLayers(rng, [MiB])] });
  await world.push('rel/kill', main, 'main');
  await world.push('rel/kill', sibling, 'sibling');
  const boxed = randomImage(rng, [5 * MiB, 3 * MiB], { format: 'docker', uncompressed: true });
  const dir = world.sandbox.dir;
  const archives: Setup['archives'] = {
    'docker-archive': { path: join(dir, 'kill.docker.tar'), image: boxed, name: 'localhost/rel/boxed:1' },
    'oci-archive': { path: join(dir, 'kill.oci.tar'), image: main, name: 'localhost/rel/oci-archived:1' },
  };
  await writeDockerArchive(archives['docker-archive'].path, boxed, 'rel/boxed:1');
  await writeOciArchive(archives['oci-archive'].path, main, 'localhost/rel/oci-archived:1');
  const setup = { main, sibling, mainName: `${world.proxy.host}/rel/kill:main`, siblingName: `${world.proxy.host}/rel/kill:sibling`, archives } as Omit<
    Setup,
    'durations'
  >;
  /** The median of three uninterrupted runs: one run alone may meet a busy moment of the machine. */
  const timed = async (run: () => Promise<Ran>, what: string, id?: string) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await run();
      if (id !== undefined) expectPulled(result, what, id);
      else check(result.status === 0, `${what} failed`, evidenceOf(result));
      times.push(result.ms);
    }
    return times.sort((a, b) => a - b)[1]!;
  };
  const pulledRoot = async () => {
    const root = world.sandbox.root();
    expectPulled(await world.hoist(root, ['pull', '--retry', '0', setup.mainName]), 'a pull', main.id);
    return root;
  };
  const durations = {
    pull: await timed(() => world.hoist(world.sandbox.root(), ['pull', '--retry', '0', setup.mainName]), 'an uninterrupted pull', main.id),
    rmi: await timed(async () => world.hoist(await pulledRoot(), ['rmi', setup.mainName]), 'an uninterrupted rmi'),
    'docker-archive': await timed(
      () => world.hoist(world.sandbox.root(), ['pull', `docker-archive:${archives['docker-archive'].path}`]),
      'an uninterrupted docker-archive pull',
      boxed.id,
    ),
    'oci-archive': await timed(
      () => world.hoist(world.sandbox.root(), ['pull', `oci-archive:${archives['oci-archive'].path}`]),
      'an uninterrupted oci-archive pull',
      main.id,
    ),
  };
  log(
    `uninterrupted: ${Object.entries(durations)
      .map(([op, ms]) => `${op} ${ms} ms`)
      .join(', ')}`,
  );
  return { ...setup, durations };
}

/** Kills `run` with SIGKILL after `delayMs`; says whether it was still running then. */
async function killAfter(run: HoistRun, delayMs: number): Promise<{ ran: Ran; killed: boolean }> {
  const early = await Promise.race([run.result, sleep(delayMs).then(() => undefined)]);
  if (early === undefined) run.child.kill('SIGKILL');
  const ran = await run.result;
  const killed = ran.signal === 'SIGKILL';
  check(killed || ran.status === 0, 'the command failed on its own before the kill', evidenceOf(ran));
  return { ran, killed };
}

const killedText = (delay: number, killed: boolean) => `SIGKILL after ${Math.round(delay)} ms${killed ? '' : ' (it had finished)'}`;

/** Runs one trial; says whether the kill landed while the command was still running. */
type Scenario = (world: World, setup: Setup, rng: Rng, label: (text: string) => void) => Promise<boolean>;

/** The next pull of main after an interruption: succeeds, fetches only what is missing, leaves tmp/ clean. */
async function pullMainAgain(world: World, setup: Setup, root: string): Promise<void> {
  const before = await readStoreFiles(root);
  const mark = world.proxy.requests.length;
  expectPulled(await world.hoist(root, ['pull', '--retry', '0', setup.mainName]), 'the next pull', setup.main.id);
  await checkAll(
    () => expectFetchedOnlyMissing(world.proxy.requests.slice(mark), before, downloadedBlobs(setup.main)),
    () => expectNamed(world, root, setup.mainName),
  );
}

/** The full store check after the next command, which must also have found `name` in it. */
async function expectNamed(world: World, root: string, name: string): Promise<void> {
  const after = await checkStore(world, root, { noDeadTempFiles: true });
  check(
    after.names.some((n) => n.name === name),
    `${name} is not in the store after the next pull`,
  );
}

const pullCold: Scenario = async (world, setup, rng, label) => {
  const root = world.sandbox.root();
  const delay = rng.next() * 1.1 * setup.durations.pull;
  const { killed } = await killAfter(world.start(root, ['pull', '--retry', '0', setup.mainName]), delay);
  label(`pull into an empty store, ${killedText(delay, killed)}`);
  await checkStore(world, root);
  await pullMainAgain(world, setup, root);
  return killed;
};

const pullBesideSibling: Scenario = async (world, setup, rng, label) => {
  const root = world.sandbox.root();
  expectPulled(await world.hoist(root, ['pull', '--retry', '0', setup.siblingName]), 'pulling the sibling image', setup.sibling.id);
  const delay = rng.next() * 1.1 * setup.durations.pull;
  const { killed } = await killAfter(world.start(root, ['pull', '--retry', '0', setup.mainName]), delay);
  label(`pull beside an image sharing a layer, ${killedText(delay, killed)}`);
  await expectSiblingIntact(world, setup, root);
  await pullMainAgain(world, setup, root);
  return killed;
};

async function expectSiblingIntact(world: World, setup: Setup, root: string): Promise<void> {
  const files = await checkStore(world, root);
  check(
    files.names.some((n) => n.name === setup.siblingName),
    `${setup.siblingName} lost its name`,
  );
}

const rmi: Scenario = async (world, setup, rng, label) => {
  const root = world.sandbox.root();
  for (const [name, image] of [
    [setup.mainName, setup.main],
    [setup.siblingName, setup.sibling],
  ] as const) {
    expectPulled(await world.hoist(root, ['pull', '--retry', '0', name]), `pulling ${name}`, image.id);
  }
  const delay = rng.next() * 1.1 * setup.durations.rmi;
  const { killed } = await killAfter(world.start(root, ['rmi', setup.mainName]), delay);
  label(`rmi of an image sharing a layer with another, ${killedText(delay, killed)}`);
  await expectSiblingIntact(world, setup, root);
  await pullMainAgain(world, setup, root);
  return killed;
};

function archivePull(transport: 'docker-archive' | 'oci-archive'): Scenario {
  return async (world, setup, rng, label) => {
    const { path, image, name } = setup.archives[transport];
    const root = world.sandbox.root();
    const delay = rng.next() * 1.1 * setup.durations[transport];
    const { killed } = await killAfter(world.start(root, ['pull', `${transport}:${path}`]), delay);
    label(`${transport}: pull, ${killedText(delay, killed)}`);
    await checkStore(world, root);
    expectPulled(await world.hoist(root, ['pull', `${transport}:${path}`]), `the next ${transport}: pull`, image.id);
    await expectNamed(world, root, name);
    return killed;
  };
}
