import type { CommandSpec } from './command-spec.js';
import { runInterruptible } from './interrupt.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { setErrorFormat } from './output.js';
import { progressOptions, unpackProgressListener } from './progress-output.js';
import { openStore, type GlobalArgs } from './store-option.js';

export interface ImageReadArgs extends GlobalArgs, LookupArgs {
  image: string;
  quiet: boolean;
  progress: 'auto' | 'tty' | 'plain' | 'json';
  platform?: string;
}

interface UnpackArgs extends ImageReadArgs {
  dir: string;
  bundle: boolean;
}

/** What `unpack` and `export` share: the image looked up as every command does, progress, the platform check. */
export const imageReadOptions = {
  ...progressOptions,
  platform: { type: 'string', describe: 'OS/ARCH[/VARIANT] the stored image must be for' },
  ...lookupOptions,
} as const;

/** The library options of an unpack or export, from its flags, with the interrupt's signal. */
export async function imageReadSettings(args: ImageReadArgs, signal: AbortSignal) {
  if (args.progress === 'json') setErrorFormat('json');
  const onEvent = unpackProgressListener(args);
  return {
    store: await openStore(args),
    search: await localSearchFor(args),
    signal,
    ...(args.platform !== undefined ? { platform: { platform: args.platform } } : {}),
    ...(onEvent !== undefined ? { onEvent } : {}),
  };
}

export const unpackCommand: CommandSpec<UnpackArgs> = {
  command: 'unpack <image> <dir>',
  completes: 'stored',
  describe: 'Apply the layers of a stored image into DIR (absent or empty) as a root filesystem, or an OCI runtime bundle with --bundle',
  epilog: [
    'Without root, owners are recorded in the user.containers.override_stat xattr instead of applied,',
    'and device nodes become empty files. DIR is removed again if the unpack fails or is interrupted.',
  ].join('\n'),
  positionals: {
    image: { type: 'string', demandOption: true, describe: 'name or ID of a stored image' },
    dir: { type: 'string', demandOption: true, describe: 'directory to create (or an empty one)' },
  },
  options: {
    bundle: { type: 'boolean', default: false, describe: 'make DIR an OCI runtime bundle: DIR/rootfs and DIR/config.json' },
    ...imageReadOptions,
  },
  async handler(args) {
    await runInterruptible(async (signal) => {
      // The unpacker (and node:zlib) loads only for this command: a pull never needs it.
      const { unpack } = await import('../unpack/index.js');
      await unpack(args.image, args.dir, { ...(await imageReadSettings(args, signal)), bundle: args.bundle });
    }, 'unpack');
  },
};
