import type { Argv, CommandModule } from 'yargs';
import { pull } from '../engine/index.js';
import { runInterruptible } from './interrupt.js';
import { writeStdout } from './output.js';
import { progressListener } from './progress-output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface PullArgs extends GlobalArgs {
  names: string[];
  quiet: boolean;
  progress: 'auto' | 'tty' | 'plain' | 'json';
  platform?: string;
  arch?: string;
  os?: string;
  variant?: string;
  'max-parallel-downloads'?: number;
}

export const pullCommand: CommandModule<GlobalArgs, PullArgs> = {
  command: 'pull <names..>',
  describe: 'Copy images into the local store (registry, docker-archive:, oci:, oci-archive:, dir:)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('names', { type: 'string', array: true, demandOption: true, describe: 'image names, e.g. fedora, docker://quay.io/x/y:z, oci:./layout:tag' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'suppress progress output' })
      .option('progress', { choices: ['auto', 'tty', 'plain', 'json'] as const, default: 'auto' as const, describe: 'progress style on stderr' })
      .option('platform', { type: 'string', describe: 'OS/ARCH[/VARIANT] to choose from a multi-platform image' })
      .option('arch', { type: 'string', describe: 'architecture to choose instead of the host\'s' })
      .option('os', { type: 'string', describe: 'operating system to choose instead of the host\'s' })
      .option('variant', { type: 'string', describe: 'architecture variant to choose, e.g. v7' })
      .option('max-parallel-downloads', { type: 'number', describe: 'blobs copied at once (default 6)' }) as unknown as Argv<PullArgs>,
  handler: async (args) => {
    const store = await openStore(args);
    const { onEvent, finish } = progressListener(args);
    try {
      await runInterruptible(async (signal) => {
        for (const name of args.names) {
          const pulled = await pull(name, {
            store,
            signal,
            platform: {
              ...(args.platform !== undefined ? { platform: args.platform } : {}),
              ...(args.arch !== undefined ? { arch: args.arch } : {}),
              ...(args.os !== undefined ? { os: args.os } : {}),
              ...(args.variant !== undefined ? { variant: args.variant } : {}),
            },
            ...(args['max-parallel-downloads'] !== undefined ? { maxParallel: args['max-parallel-downloads'] } : {}),
            ...(onEvent ? { onEvent } : {}),
          });
          finish();
          pulled.forEach((image) => writeStdout(image.id));
        }
      });
    } finally {
      finish();
    }
  },
};
