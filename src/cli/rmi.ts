import type { CommandSpec } from './command-spec.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface RmiArgs extends GlobalArgs {
  images: string[];
  force: boolean;
}

export const rmiCommand: CommandSpec<RmiArgs> = {
  command: 'rmi <images..>',
  completes: 'stored',
  describe: 'Remove image names, and images with their unreferenced blobs',
  positionals: { images: { type: 'string', array: true, demandOption: true, describe: 'names or IDs' } },
  options: { force: { alias: 'f', type: 'boolean', default: false, describe: 'remove an image by ID even if it has several names' } },
  async handler(args) {
    const store = await openStore(args);
    const { untagged, deleted } = await store.remove(args.images, { force: args.force });
    untagged.forEach((name) => writeStdout(`Untagged: ${name}`));
    deleted.forEach((id) => writeStdout(`Deleted: ${id}`));
  },
};
