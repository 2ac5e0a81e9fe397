import type { Argv, CommandModule } from 'yargs';
import { parseCredsFlag } from '../config/auth/index.js';
import { parsePullPolicy, pull, type RegistryAccess } from '../engine/index.js';
import { nonNegativeInteger, parseDuration, positiveInteger } from './numbers.js';
import { readPassword } from './read-password.js';
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
  policy?: string;
  'all-tags': boolean;
  creds?: string;
  authfile?: string;
  'cert-dir'?: string;
  'tls-verify'?: boolean;
  retry?: number;
  'retry-delay'?: string;
  'registries-conf'?: string;
  'alias-cache'?: string;
}

/** The registry flags as the library's RegistryAccess, asking for a --creds password if it is missing. */
async function registryAccess(args: PullArgs): Promise<RegistryAccess> {
  const creds = args.creds === undefined ? undefined : parseCredsFlag(args.creds);
  return {
    ...(creds !== undefined ? { creds: { username: creds.username, password: creds.password ?? (await readPassword('Password: ')) } } : {}),
    ...(args.authfile !== undefined ? { authFile: args.authfile } : {}),
    ...(args['cert-dir'] !== undefined ? { certDir: args['cert-dir'] } : {}),
    ...(args['tls-verify'] !== undefined ? { tlsVerify: args['tls-verify'] } : {}),
    ...(args.retry !== undefined ? { retry: nonNegativeInteger('--retry', args.retry) } : {}),
    ...(args['retry-delay'] !== undefined ? { retryDelayMs: parseDuration('--retry-delay', args['retry-delay']) } : {}),
  };
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
      .option('max-parallel-downloads', { type: 'number', describe: 'blobs copied at once (default 6)' })
      .option('policy', { type: 'string', describe: 'always | missing | newer | never (default: hoist.toml, else always)' })
      .option('all-tags', { alias: 'a', type: 'boolean', default: false, describe: 'pull every tag of the repository' })
      .option('creds', { type: 'string', describe: 'USER[:PASSWORD] for the registry' })
      .option('authfile', { type: 'string', describe: 'auth file to read instead of the default ones (also REGISTRY_AUTH_FILE)' })
      .option('cert-dir', { type: 'string', describe: 'directory with *.crt CAs and *.cert/*.key client certificates' })
      .option('tls-verify', { type: 'boolean', describe: 'verify TLS (default true); false also allows plain HTTP' })
      .option('retry', { type: 'number', describe: 'times to retry a failed request (default 3)' })
      .option('retry-delay', { type: 'string', describe: 'fixed delay between retries, e.g. 2s or 500ms (default: exponential backoff)' })
      .option('registries-conf', { type: 'string', describe: 'registries.conf to read instead of the default ones' })
      .option('alias-cache', { type: 'string', describe: 'short-name alias cache file' }) as unknown as Argv<PullArgs>,
  handler: async (args) => {
    // Bad flags fail before the store is created or a password is asked for.
    const policy = args.policy !== undefined ? parsePullPolicy(args.policy) : undefined;
    const store = await openStore(args);
    const registry = await registryAccess(args);
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
            registry,
            allTags: args['all-tags'],
            ...(policy !== undefined ? { policy } : {}),
            ...(args['max-parallel-downloads'] !== undefined ? { maxParallel: positiveInteger('--max-parallel-downloads', args['max-parallel-downloads']) } : {}),
            ...(args['registries-conf'] !== undefined ? { registriesConf: args['registries-conf'] } : {}),
            ...(args['alias-cache'] !== undefined ? { aliasCache: args['alias-cache'] } : {}),
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
