import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from '../helpers/cli.js';
import { dockerArchive } from '../helpers/archives.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { checkStore } from './check-store.js';
import { MiB, randomImage, writeOciArchive } from './fixtures.js';
import { cleanFailureProblems, crashKind, evidenceOf, expectPulled } from './outcomes.js';
import { trialRng, type Rng } from './rng.js';
import { check, checkAll, fail, TrialFailure, type Category } from './trial.js';
import type { Ran, World } from './world.js';

/** The tmpfs, and the pulls' images: bigger than what the filler leaves of it, mostly. */
const TMPFS_MIB = 16;
const IMAGE_MIB = 12;

/**
 * The store on a small tmpfs, partly filled first so the disk runs out at a random point of a
 * registry pull, a gzip-compressed docker-archive pull (decompressed into tmp/) or an
 * oci-archive pull. A pull that does not fit fails cleanly: exit 125, one Error: line naming the
 * store, a Hint:, nothing half-written; once there is room, the next pull works.
 */
export const diskFull: Category = {
  name: 'disk full',
  checked: `a ${TMPFS_MIB} MiB tmpfs as the store, filled to leave 16 KiB to 13 MiB, then a ${IMAGE_MIB} MiB registry pull, gzip docker-archive pull or oci-archive pull: exit 125, one Error: line naming the store path, a Hint: line, no temp file left, index.json sound, no name added; after making room, the same pull succeeds and the store check holds`,
  count: (profile) => profile.trials['disk full']!,
  async cannotRun() {
    const probe = await makeTempDir();
    try {
      const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
      if (mounted.status !== 0) return `needs root to mount tmpfs (${mounted.stderr.trim()})`;
      await run('umount', [probe]);
      return undefined;
    } finally {
      await removeDir(probe);
    }
  },
  async run(ctx) {
    const world = await ctx.world();
    const setup = await prepare(world, trialRng(ctx.seed, 'disk full', -1));
    const results = [];
    for (const trial of ctx.trials(ctx.profile.trials['disk full']!)) {
      const source = setup.sources[trial % setup.sources.length]!;
      results.push(await ctx.trial(trial, (rng, label) => diskFullTrial(world, source, join(world.sandbox.dir, `disk-full-${trial}`), rng, label)));
    }
    return results;
  },
};

interface Source {
  what: string;
  name: string;
  id: string;
}

async function prepare(world: World, rng: Rng): Promise<{ sources: Source[] }> {
  const layers = [4 * MiB, 4 * MiB, 4 * MiB];
  const image = randomImage(rng, layers);
  await world.push('rel/disk-full', image, '1');
  const boxed = randomImage(rng, layers, { format: 'docker', uncompressed: true });
  const gz = join(world.sandbox.dir, 'disk-full.tar.gz');
  await writeFile(gz, gzipSync(dockerArchive([{ image: boxed, repoTags: ['rel/disk-full:gz'] }]), { level: 1 }));
  const oci = join(world.sandbox.dir, 'disk-full.oci.tar');
  await writeOciArchive(oci, image, 'localhost/rel/disk-full:oci');
  return {
    sources: [
      { what: 'registry pull', name: `${world.proxy.host}/rel/disk-full:1`, id: image.id },
      { what: 'gzip docker-archive pull', name: `docker-archive:${gz}`, id: boxed.id },
      { what: 'oci-archive pull', name: `oci-archive:${oci}`, id: image.id },
    ],
  };
}

async function mount(dir: string, options: string): Promise<void> {
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  if (mounted.status !== 0) throw new Error(`mount -o ${options} ${dir} failed: ${mounted.stderr}`);
}

async function diskFullTrial(world: World, source: Source, mountPoint: string, rng: Rng, label: (text: string) => void): Promise<void> {
  await mkdir(mountPoint, { recursive: true });
  await mount(mountPoint, `size=${TMPFS_MIB}m`);
  try {
    const root = join(mountPoint, 'store');
    const free = rng.chance(0.3) ? IMAGE_MIB * MiB + rng.between(0, 64 * 1024) : rng.between(16 * 1024, (IMAGE_MIB + 1) * MiB);
    const filler = join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(0, TMPFS_MIB * MiB - free)));
    label(`${source.what} with ${Math.round(free / 1024)} KiB free`);
    const pull = () => world.hoist(root, ['pull', '--retry', '0', source.name]);
    const first = await pull();
    if (first.status === 0) {
      // It fitted: the store must be sound, as after any pull.
      expectPulled(first, 'the pull that fitted', source.id);
      await checkStore(world, root, { noDeadTempFiles: true });
      return;
    }
    await checkAll(
      () => expectDiskFullError(first, root),
      async () => {
        const files = await checkStore(world, root, { noDeadTempFiles: true });
        check(files.names.length === 0, `the failed pull left ${files.names.length} names`);
        check(files.tmp.size === 0, `the failed pull left tmp/${[...files.tmp.keys()].join(', tmp/')}`);
      },
    );
    await rm(filler);
    const grown = await run('mount', ['-o', 'remount,size=256m', mountPoint]);
    if (grown.status !== 0) throw new Error(`mount -o remount,size=256m ${mountPoint} failed: ${grown.stderr}`);
    expectPulled(await pull(), 'the pull after making room', source.id);
    await checkStore(world, root, { noDeadTempFiles: true });
  } finally {
    const unmounted = await run('umount', [mountPoint]);
    if (unmounted.status !== 0) fail(`umount ${mountPoint} failed: ${unmounted.stderr}`);
  }
}

function expectDiskFullError(ran: Ran, root: string): void {
  const problems = cleanFailureProblems(ran);
  const error = ran.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
  if (!error.includes(root)) problems.push('the Error: line does not name the store');
  if (!/^Hint: /m.test(ran.stderr)) problems.push('no Hint: line');
  if (problems.length > 0)
    throw new TrialFailure(`the pull that ran out of space did not fail cleanly: ${problems.join('; ')}`, evidenceOf(ran), crashKind(ran));
}
