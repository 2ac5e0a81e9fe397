import type { CommandSpec } from './command-spec.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface TagArgs extends GlobalArgs, LookupArgs {
  image: string;
  targets: string[];
}

export const tagCommand: CommandSpec<TagArgs> = {
  command: 'tag <image> <targets..>',
  completes: 'stored',
  describe: 'Add names to a stored image',
  positionals: {
    image: { type: 'string', demandOption: true, describe: 'name or ID of the image' },
    targets: { type: 'string', array: true, demandOption: true, describe: 'new names' },
  },
  options: lookupOptions,
  async handler(args) {
    const store = await openStore(args);
    await store.tag(args.image, args.targets, await localSearchFor(args));
  },
};
