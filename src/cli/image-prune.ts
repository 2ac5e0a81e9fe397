import type { CommandSpec } from './command-spec.js';
import { confirm } from './confirm.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface PruneArgs extends GlobalArgs {
  all: boolean;
  force: boolean;
}

/**
 * `podman image prune`: dangling images, or with `--all` every image not used by a container,
 * which in hoist (no containers) is every image. Podman asks first unless `--force`; so does hoist.
 */
export const imagePruneCommand: CommandSpec<PruneArgs> = {
  command: 'image prune',
  describe: 'Remove dangling images (with --all, every image) and their blobs',
  options: {
    all: { alias: 'a', type: 'boolean', default: false, describe: 'remove every image, not only dangling ones (hoist has no containers to use one)' },
    force: { alias: 'f', type: 'boolean', default: false, describe: 'do not ask for confirmation' },
  },
  async handler(args) {
    const what = args.all ? 'all images' : 'all dangling images';
    if (!args.force && !(await confirm(`WARNING! This command removes ${what}.\nAre you sure you want to continue?`, 'answer y, or use --force'))) return;
    const store = await openStore(args);
    (await store.prune({ all: args.all })).forEach((id) => writeStdout(id));
  },
};
