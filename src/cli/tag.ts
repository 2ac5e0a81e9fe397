import type { Argv, CommandModule } from 'yargs';
import { openStore, type GlobalArgs } from './store-option.js';

interface TagArgs extends GlobalArgs {
  image: string;
  targets: string[];
}

export const tagCommand: CommandModule<GlobalArgs, TagArgs> = {
  command: 'tag <image> <targets..>',
  describe: 'Add names to a stored image',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'name or ID of the image' })
      .positional('targets', { type: 'string', array: true, demandOption: true, describe: 'new names' }) as unknown as Argv<TagArgs>,
  handler: async (args) => {
    const store = await openStore(args);
    await store.tag(args.image, args.targets);
  },
};
