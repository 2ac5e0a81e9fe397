import type { Argv, CommandModule } from 'yargs';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface RmiArgs extends GlobalArgs {
  images: string[];
  force: boolean;
}

export const rmiCommand: CommandModule<GlobalArgs, RmiArgs> = {
  command: 'rmi <images..>',
  describe: 'Remove image names, and images with their unreferenced blobs',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'names or IDs' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'remove an image by ID even if it has several names' }) as unknown as Argv<RmiArgs>,
  handler: async (args) => {
    const store = await openStore(args);
    const { untagged, deleted } = await store.remove(args.images, { force: args.force });
    untagged.forEach((name) => writeStdout(`Untagged: ${name}`));
    deleted.forEach((id) => writeStdout(`Deleted: ${id}`));
  },
};
