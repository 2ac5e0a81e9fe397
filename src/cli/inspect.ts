import type { CommandSpec } from './command-spec.js';
import { HoistError } from '../errors.js';
import { describeImage } from '../store/index.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface InspectArgs extends GlobalArgs, LookupArgs {
  images: string[];
}

export const inspectCommand: CommandSpec<InspectArgs> = {
  command: 'inspect <images..>',
  describe: 'Show details of stored images as JSON (like podman image inspect)',
  positionals: { images: { type: 'string', array: true, demandOption: true, describe: 'names or IDs' } },
  options: lookupOptions,
  async handler(args) {
    const store = await openStore(args);
    const search = await localSearchFor(args);
    const infos = [];
    for (const input of args.images) {
      const record = await store.lookup(input, search);
      if (record === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`);
      infos.push(await describeImage(store, record));
    }
    writeStdout(JSON.stringify(infos, null, 4));
  },
};
