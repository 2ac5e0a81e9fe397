import type { CommandSpec } from './command-spec.js';
import { HoistError } from '../errors.js';
import { runInterruptible } from './interrupt.js';
import { imageReadOptions, imageReadSettings, type ImageReadArgs } from './unpack.js';

interface ExportArgs extends ImageReadArgs {
  output: string;
}

export const exportCommand: CommandSpec<ExportArgs> = {
  command: 'export <image>',
  completes: 'stored',
  describe: 'Write the flattened root filesystem of a stored image as one tar (-o FILE, or -o - for stdout)',
  positionals: { image: { type: 'string', demandOption: true, describe: 'name or ID of a stored image' } },
  options: {
    output: { alias: 'o', type: 'string', demandOption: true, describe: 'the tar to write; - writes it to stdout' },
    ...imageReadOptions,
  },
  async handler(args) {
    const toStdout = args.output === '-';
    // As Podman's export: a tar is no thing to pour onto a terminal.
    if (toStdout && process.stdout.isTTY) {
      throw new HoistError('INVALID_ARGUMENT', 'refusing to write a tar to the terminal', { hint: 'redirect stdout, or name a file with -o FILE' });
    }
    await runInterruptible(async (signal) => {
      const { exportImage } = await import('../unpack/index.js');
      await exportImage(args.image, toStdout ? process.stdout : args.output, await imageReadSettings(args, signal));
    }, 'export');
  },
};
