import type { CommandSpec } from './command-spec.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { EXIT_NOT_KNOWN } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface ExistsArgs extends GlobalArgs, LookupArgs {
  image: string;
}

/** `podman image exists`: the answer is the exit status alone; a malformed name is an error (125). */
export const imageExistsCommand: CommandSpec<ExistsArgs> = {
  command: 'image exists <image>',
  completes: 'stored',
  describe: 'Exit 0 if the image is stored, 1 if not (no output)',
  positionals: { image: { type: 'string', demandOption: true, describe: 'name or ID' } },
  options: lookupOptions,
  async handler(args) {
    const store = await openStore(args);
    if ((await store.lookup(args.image, await localSearchFor(args))) === undefined) process.exitCode = EXIT_NOT_KNOWN;
  },
};
