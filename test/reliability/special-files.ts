import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runLimited } from '../../src/io/run-limited.js';
import { run } from '../helpers/cli.js';
import { buildImage, writeDirImage, writeOciLayout } from '../helpers/images.js';
import { checkStore } from './check-store.js';
import { expectCleanFailure } from './outcomes.js';
import { check, checkAll, type Category, type TrialResult } from './trial.js';
import type { World } from './world.js';

/** A refusal takes well under a second; a pull still running after this waits on the file forever. */
const TIME_BOUND_MS = 10_000;

/**
 * Sources that are not regular files: FIFOs (a reader blocks until a writer comes), endless
 * devices, directories, symlink loops, as an archive or as a file inside a layout or a `dir:`
 * image. Each must be refused, fast: a pull that waits on a FIFO waits forever.
 */
export const specialFiles: Category = {
  name: 'special files',
  checked: `FIFOs, /dev/zero, /dev/urandom, directories and symlink loops as docker-archive: and oci-archive: files and as index.json, manifests, configs and layers of oci: layouts and dir: images: exit 125 with one Error: line within ${TIME_BOUND_MS / 1000} s, no stack trace, the store empty`,
  count: (profile) => profile.trials['special files']!,
  async run(ctx) {
    const world = await ctx.world();
    const results: TrialResult[] = [];
    // A hang costs the whole time bound: the trials wait side by side.
    await runLimited(
      ctx.trials(ctx.profile.trials['special files']!).map((trial) => async () => {
        const special = cases[trial % cases.length]!;
        results.push(
          await ctx.trial(trial, async (_rng, label) => {
            label(special.name);
            const dir = join(world.sandbox.dir, `special-${trial}`);
            await mkdir(dir, { recursive: true });
            await pullRefused(world, await special.make(dir));
          }),
        );
      }),
      4,
    );
    return results.sort((a, b) => a.trial - b.trial);
  },
};

async function pullRefused(world: World, name: string): Promise<void> {
  const root = world.sandbox.root();
  const ran = await world.hoist(root, ['pull', name], { timeoutMs: TIME_BOUND_MS });
  await checkAll(
    () => expectCleanFailure(ran, 'the pull'),
    async () => {
      const files = await checkStore(world, root, { noDeadTempFiles: true });
      check(files.names.length === 0, `the refused pull recorded ${files.names.length} names`);
    },
  );
}

async function fifo(path: string): Promise<void> {
  await rm(path, { force: true });
  const made = await run('mkfifo', [path]);
  if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${made.stderr}`);
}

const image = buildImage({ layers: [{ 'etc/special': 'special\n' }] });

/** An OCI layout of `image` whose file at `path` (relative) is then replaced by `replace`. */
async function layoutWith(dir: string, path: (img: typeof image) => string, replace: (file: string) => Promise<void>): Promise<string> {
  const layout = join(dir, 'layout');
  await writeOciLayout(layout, [{ top: image.manifest, refName: '1' }], image.blobs.values());
  await replace(join(layout, path(image)));
  return `oci:${layout}:1`;
}

async function dirImageWith(dir: string, path: (img: typeof image) => string, replace: (file: string) => Promise<void>): Promise<string> {
  const dirImage = join(dir, 'dirimg');
  await writeDirImage(dirImage, image);
  await replace(join(dirImage, path(image)));
  return `dir:${dirImage}`;
}

const linkTo = (target: string) => async (file: string) => {
  await rm(file, { force: true });
  await symlink(target, file);
};

const blobPath = (digest: string) => `blobs/sha256/${digest.slice(7)}`;

const cases: { name: string; make(dir: string): Promise<string> }[] = [
  { name: 'docker-archive: a FIFO', make: async (dir) => (await fifo(join(dir, 'a.tar')), `docker-archive:${join(dir, 'a.tar')}`) },
  { name: 'oci-archive: a FIFO', make: async (dir) => (await fifo(join(dir, 'a.tar')), `oci-archive:${join(dir, 'a.tar')}`) },
  { name: 'docker-archive: /dev/zero', make: async () => 'docker-archive:/dev/zero' },
  { name: 'oci-archive: /dev/urandom', make: async () => 'oci-archive:/dev/urandom' },
  { name: 'docker-archive: a directory', make: async (dir) => `docker-archive:${dir}` },
  {
    name: 'docker-archive: a symlink loop',
    make: async (dir) => {
      await symlink(join(dir, 'b.tar'), join(dir, 'a.tar'));
      await symlink(join(dir, 'a.tar'), join(dir, 'b.tar'));
      return `docker-archive:${join(dir, 'a.tar')}`;
    },
  },
  { name: 'oci: index.json is a FIFO', make: (dir) => layoutWith(dir, () => 'index.json', fifo) },
  { name: 'oci: the manifest is a FIFO', make: (dir) => layoutWith(dir, (img) => blobPath(img.manifest.digest), fifo) },
  { name: 'oci: the config is a FIFO', make: (dir) => layoutWith(dir, (img) => blobPath(img.config.digest), fifo) },
  { name: 'oci: a layer is a symlink to /dev/zero', make: (dir) => layoutWith(dir, (img) => blobPath(img.layers[0]!.digest), linkTo('/dev/zero')) },
  { name: 'dir: manifest.json is a FIFO', make: (dir) => dirImageWith(dir, () => 'manifest.json', fifo) },
  { name: 'dir: a layer is a FIFO', make: (dir) => dirImageWith(dir, (img) => img.layers[0]!.digest.slice(7), fifo) },
];
