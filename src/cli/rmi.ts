import type { CommandSpec } from './command-spec.js';
import { HoistError, isHoistError } from '../errors.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { EXIT_ERROR, EXIT_NOT_KNOWN, reportFailures, writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface RmiArgs extends GlobalArgs, LookupArgs {
  images: string[];
  force: boolean;
  all: boolean;
}

export const rmiCommand: CommandSpec<RmiArgs> = {
  command: 'rmi [images..]',
  completes: 'stored',
  describe: 'Remove image names, and images with their unreferenced blobs',
  positionals: { images: { type: 'string', array: true, describe: 'names or IDs' } },
  options: {
    all: { alias: 'a', type: 'boolean', default: false, describe: 'remove every image' },
    force: { alias: 'f', type: 'boolean', default: false, describe: 'remove an image by ID even if it has several names; ignore unknown names' },
    ...lookupOptions,
  },
  async handler(args) {
    const images = args.images ?? [];
    if (args.all && images.length > 0) throw new HoistError('INVALID_ARGUMENT', 'when using the --all switch, you may not pass any images names or IDs');
    if (!args.all && images.length === 0) throw new HoistError('INVALID_ARGUMENT', 'image name or ID must be specified');
    const store = await openStore(args);
    const { untagged, deleted, errors } = await store.remove(images, { force: args.force, all: args.all, search: await localSearchFor(args) });
    untagged.forEach((name) => writeStdout(`Untagged: ${name}`));
    deleted.forEach((id) => writeStdout(`Deleted: ${id}`));
    // As Podman's rmi: 1 when the only failures were names that match no image, else 125.
    reportFailures(errors, errors.every((err) => isHoistError(err, 'IMAGE_NOT_KNOWN')) ? EXIT_NOT_KNOWN : EXIT_ERROR);
  },
};
