import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256, type FixtureImage } from '../helpers/images.js';
import { checkStore } from './check-store.js';
import { downloadedBlobs, MiB, randomImage } from './fixtures.js';
import { evidenceOf, expectPulled } from './outcomes.js';
import { trialRng, type Rng } from './rng.js';
import { blobTraffic } from './traffic.js';
import { check, checkAll, fail, type Category } from './trial.js';
import type { Ran, World } from './world.js';

/**
 * Several hoist processes on one store: N cold pulls of the same image fetch every blob exactly
 * once (the others wait for the first one's claim); a pull racing an rmi (of the same name, or of
 * the image's last other name, which collects its blobs) still succeeds, and the store holds up.
 */
export const concurrency: Category = {
  name: 'concurrency',
  checked:
    "4 or 8 concurrent cold pulls of one image into one store: all succeed, each blob fetched exactly once (GETs counted at the proxy); a pull racing rmi of the same name, and a pull of a second name racing rmi of the image's last name: both commands succeed, no blob fetched twice, the store check holds",
  count: (profile) => profile.trials.concurrency!,
  async run(ctx) {
    const world = await ctx.world();
    const setup = await prepare(world, trialRng(ctx.seed, 'concurrency', -1));
    ctx.log(`a warm pull takes ${setup.warmPullMs} ms`);
    const scenarios = [coldPulls, raceSameName, raceOtherName];
    const results = [];
    for (const trial of ctx.trials(ctx.profile.trials.concurrency!)) {
      results.push(await ctx.trial(trial, (rng, label) => scenarios[trial % scenarios.length]!(world, setup, rng, label)));
    }
    return results;
  },
};

interface Setup {
  image: FixtureImage;
  /** Two tags of the same image. */
  names: [string, string];
  warmPullMs: number;
}

async function prepare(world: World, rng: Rng): Promise<Setup> {
  const image = randomImage(rng, [2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB]);
  await world.push('rel/conc', image, ['1', '2']);
  const names: [string, string] = [`${world.proxy.host}/rel/conc:1`, `${world.proxy.host}/rel/conc:2`];
  const root = world.sandbox.root();
  expectPulled(await pull(world, root, names[0]), 'a first pull', image.id);
  const warm = await pull(world, root, names[0]);
  expectPulled(warm, 'a warm pull', image.id);
  return { image, names, warmPullMs: warm.ms };
}

const pull = (world: World, root: string, name: string) => world.hoist(root, ['pull', '--retry', '0', name]);

type Scenario = (world: World, setup: Setup, rng: Rng, label: (text: string) => void) => Promise<void>;

const coldPulls: Scenario = async (world, setup, rng, label) => {
  const n = rng.pick([4, 8]);
  label(`${n} concurrent cold pulls`);
  const root = world.sandbox.root();
  const mark = world.proxy.requests.length;
  const runs = await Promise.all(Array.from({ length: n }, () => pull(world, root, setup.names[0])));
  const requests = world.proxy.requests.slice(mark);
  await checkAll(
    ...runs.map((ran, i) => () => expectPulled(ran, `pull ${i + 1} of ${n}`, setup.image.id)),
    () => {
      const twice = downloadedBlobs(setup.image)
        .map((blob) => ({ blob, traffic: blobTraffic(requests, blob.digest) }))
        .filter(({ blob, traffic }) => traffic.gets.length !== 1 || traffic.bytes !== blob.size);
      if (twice.length > 0)
        fail(
          `blobs not fetched exactly once: ${twice.map(({ blob, traffic }) => `${blob.digest.slice(0, 19)}… ${traffic.gets.length} GETs, ${traffic.bytes} bytes`).join('; ')}`,
        );
    },
    () => checkStore(world, root, { noDeadTempFiles: true }),
  );
};

/** Runs a pull and an rmi, the second started `offsetMs` after the first (rmi first when negative). */
async function race(pullRun: () => Promise<Ran>, rmiRun: () => Promise<Ran>, offsetMs: number): Promise<{ pulled: Ran; removed: Ran }> {
  const later = async (run: () => Promise<Ran>) => {
    await sleep(Math.abs(offsetMs));
    return run();
  };
  const [pulled, removed] = offsetMs >= 0 ? await Promise.all([pullRun(), later(rmiRun)]) : await Promise.all([later(pullRun), rmiRun()]);
  return { pulled, removed };
}

const raceOffset = (rng: Rng, setup: Setup) => Math.round((rng.next() * 1.5 - 0.5) * setup.warmPullMs);

/** Orphan blobs rmi will collect: they keep its garbage collection (under the store lock) running longer. */
const ORPHANS = 2000;

/**
 * Stores `count` small unreferenced blobs, the garbage earlier failures and kills leave. They
 * widen the race: rmi decides what to keep, then spends a while deleting the rest.
 */
async function addOrphanBlobs(root: string, rng: Rng, count: number): Promise<void> {
  const dir = join(root, 'blobs', 'sha256');
  for (let i = 0; i < count; i++) {
    const data = rng.bytes(32);
    await writeFile(join(dir, sha256(data).slice(7)), data);
  }
}

async function expectRaceOutcome(
  world: World,
  setup: Setup,
  root: string,
  mark: number,
  pulled: Ran,
  removed: Ran,
  pulledName: string | undefined,
): Promise<void> {
  const requests = world.proxy.requests.slice(mark);
  await checkAll(
    () => expectPulled(pulled, 'the pull racing rmi', setup.image.id),
    () => check(removed.status === 0, 'the rmi racing a pull failed', evidenceOf(removed)),
    () => {
      const twice = downloadedBlobs(setup.image).filter((blob) => blobTraffic(requests, blob.digest).gets.length > 1);
      if (twice.length > 0) fail(`blobs fetched more than once by one pull: ${twice.map((b) => b.digest.slice(0, 19)).join(', ')}`);
    },
    async () => {
      const files = await checkStore(world, root, { noDeadTempFiles: true });
      // The rmi of the other name never removes this one: a successful pull must have left it.
      if (pulledName !== undefined && pulled.status === 0)
        check(
          files.names.some((n) => n.name === pulledName),
          `${pulledName} is not in the store though its pull succeeded`,
        );
    },
  );
}

const raceSameName: Scenario = async (world, setup, rng, label) => {
  const root = world.sandbox.root();
  const [name] = setup.names;
  expectPulled(await pull(world, root, name), 'the first pull', setup.image.id);
  await addOrphanBlobs(root, rng, ORPHANS);
  const offset = raceOffset(rng, setup);
  label(
    `pull of a stored name racing its rmi in a store with ${ORPHANS} orphan blobs (rmi ${offset >= 0 ? `${offset} ms after` : `${-offset} ms before`} the pull)`,
  );
  const mark = world.proxy.requests.length;
  const { pulled, removed } = await race(
    () => pull(world, root, name),
    () => world.hoist(root, ['rmi', name]),
    offset,
  );
  // Either order is right here: the name may be gone (rmi last) or present (pull last).
  await expectRaceOutcome(world, setup, root, mark, pulled, removed, undefined);
};

const raceOtherName: Scenario = async (world, setup, rng, label) => {
  const root = world.sandbox.root();
  const [stored, other] = setup.names;
  expectPulled(await pull(world, root, stored), 'the first pull', setup.image.id);
  await addOrphanBlobs(root, rng, ORPHANS);
  const offset = raceOffset(rng, setup);
  label(
    `pull of a second name racing rmi of the image's last name in a store with ${ORPHANS} orphan blobs (rmi ${offset >= 0 ? `${offset} ms after` : `${-offset} ms before`} the pull)`,
  );
  const mark = world.proxy.requests.length;
  const { pulled, removed } = await race(
    () => pull(world, root, other),
    () => world.hoist(root, ['rmi', stored]),
    offset,
  );
  await expectRaceOutcome(world, setup, root, mark, pulled, removed, other);
};
