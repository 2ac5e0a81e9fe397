import type { CommandSpec } from './command-spec.js';
import { parseCredsFlag } from '../config/auth/index.js';
import { PULL_POLICIES, parsePullPolicy, pull, terminalPrompt, type RegistryAccess } from '../engine/index.js';
import { lookupOptions, type LookupArgs } from './lookup-option.js';
import { integerSetting, parseDuration } from './numbers.js';
import { readPassword } from './read-password.js';
import { runInterruptible } from './interrupt.js';
import { EXIT_ERROR, reportFailures, setErrorFormat, writeStdout } from './output.js';
import { progressListener, progressOptions } from './progress-output.js';
import { openStore, type GlobalArgs } from './store-option.js';
import { pulledFrom, transportHelp } from './transport-help.js';

interface PullArgs extends GlobalArgs, LookupArgs {
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
  'signature-policy'?: string;
  'registries.d'?: string;
}

/** The registry flags as the library's RegistryAccess (flags validated; the password not yet asked for). */
function registryAccess(args: PullArgs): RegistryAccess {
  return {
    authFile: args.authfile,
    certDir: args['cert-dir'],
    tlsVerify: args['tls-verify'],
    retry: args.retry === undefined ? undefined : integerSetting('--retry', args.retry, 'retry'),
    retryDelayMs: args['retry-delay'] === undefined ? undefined : parseDuration('--retry-delay', args['retry-delay']),
  };
}

/** `--creds USER[:PASS]`, asking for the password on the terminal when it is left out, as Podman does. */
async function credentials(args: PullArgs): Promise<RegistryAccess['creds']> {
  if (args.creds === undefined) return undefined;
  const { username, password } = parseCredsFlag(args.creds);
  return { username, password: password ?? (await readPassword('Password: ')) };
}

export const pullCommand: CommandSpec<PullArgs> = {
  command: 'pull <names..>',
  completes: 'pullable',
  optionValues: { policy: PULL_POLICIES, 'tls-verify': ['true', 'false'] },
  describe: `Copy images into the local store (${pulledFrom})`,
  epilog: transportHelp(),
  positionals: {
    names: { type: 'string', array: true, demandOption: true, describe: 'image names, e.g. fedora, docker://quay.io/x/y:z, oci:./layout:tag' },
  },
  options: {
    ...progressOptions,
    platform: { type: 'string', describe: 'OS/ARCH[/VARIANT] to choose from a multi-platform image' },
    arch: { type: 'string', describe: "architecture to choose instead of the host's" },
    os: { type: 'string', describe: "operating system to choose instead of the host's" },
    variant: { type: 'string', describe: 'architecture variant to choose, e.g. v7' },
    'max-parallel-downloads': { type: 'number', describe: 'blobs downloaded at once (default 6)' },
    policy: { type: 'string', describe: 'always | missing | newer | never (default: hoist.toml, else always)' },
    'all-tags': { alias: 'a', type: 'boolean', default: false, describe: 'pull every tag of the repository' },
    creds: { type: 'string', describe: 'USER[:PASSWORD] for the registry' },
    authfile: { type: 'string', describe: 'auth file to read instead of the default ones (also REGISTRY_AUTH_FILE)' },
    'cert-dir': { type: 'string', describe: 'directory with *.crt CAs and *.cert/*.key client certificates' },
    'tls-verify': { type: 'boolean', describe: 'verify TLS (default true); false also allows plain HTTP' },
    retry: { type: 'number', describe: 'times to retry a failed request (default 3)' },
    'retry-delay': { type: 'string', describe: 'fixed delay between retries, e.g. 2s or 500ms (default: exponential backoff)' },
    ...lookupOptions,
    'signature-policy': { type: 'string', describe: 'containers-policy.json to read instead of the default ones (also HOIST_SIGNATURE_POLICY)' },
    'registries.d': { type: 'string', describe: 'containers-registries.d directory to read instead of the default ones' },
  },
  async handler(args) {
    // A JSON stream stays JSON to its last line, the error included.
    if (args.progress === 'json') setErrorFormat('json');
    // Bad flags fail before a password is asked for or the store is created.
    const options = {
      policy: args.policy === undefined ? undefined : parsePullPolicy(args.policy),
      maxParallel:
        args['max-parallel-downloads'] === undefined
          ? undefined
          : integerSetting('--max-parallel-downloads', args['max-parallel-downloads'], 'max-parallel-downloads'),
      platform: { platform: args.platform, arch: args.arch, os: args.os, variant: args.variant },
      registry: registryAccess(args),
      allTags: args['all-tags'],
      registriesConf: args['registries-conf'],
      aliasCache: args['alias-cache'],
      signaturePolicy: args['signature-policy'],
      registriesD: args['registries.d'],
      isTTY: process.stdin.isTTY === true && process.stdout.isTTY === true,
      prompt: terminalPrompt({ input: process.stdin, output: process.stderr }),
    };
    options.registry.creds = await credentials(args);
    const store = await openStore(args);
    const { onEvent, finish } = progressListener(args);
    // Every name is pulled, as Podman does; the failures are printed at the end, exit 125.
    const failures: unknown[] = [];
    try {
      await runInterruptible(async (signal) => {
        for (const name of args.names) {
          try {
            const pulled = await pull(name, { ...options, store, signal, onEvent });
            pulled.forEach((image) => writeStdout(image.id));
          } catch (err) {
            if (signal.aborted) throw err;
            failures.push(err);
          } finally {
            finish();
          }
        }
      });
    } finally {
      finish();
    }
    reportFailures(failures, EXIT_ERROR);
  },
};
