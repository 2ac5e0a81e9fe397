import yargs, { type Argv, type CommandModule } from 'yargs';
import { HoistError, quoted } from '../errors.js';
import { globalOptions, PARSER_CONFIGURATION, type CommandSpec } from './command-spec.js';
import { commandNames, findCommand } from './dispatch.js';
import { setLogLevel, type LogLevel } from './output.js';

/** The options every command takes, and the behaviour shared by all (errors, help, version). */
function program(argv: string[]): Argv {
  return (
    yargs(argv)
      .scriptName('hoist')
      .usage('$0 [--root DIR] [--log-level LEVEL] COMMAND\n\nA daemonless, Podman-style container image pull engine.')
      .options(globalOptions)
      .parserConfiguration(PARSER_CONFIGURATION)
      .middleware((args) => setLogLevel(args['log-level'] as LogLevel))
      .strict()
      // `-v` and `--version` are answered before yargs (main.ts), in Podman's words.
      .version(false)
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns || 110))
      .fail((message, err) => {
        throw err ?? new HoistError('INVALID_ARGUMENT', message);
      })
  );
}

function yargsCommand(spec: CommandSpec, command = spec.command, aliases: readonly string[] = []): CommandModule {
  return {
    command,
    aliases: [...aliases],
    describe: spec.describe,
    builder: (y) => {
      for (const [name, positional] of Object.entries(spec.positionals ?? {})) y.positional(name, positional);
      if (spec.epilog !== undefined) y.epilog(spec.epilog);
      return y.options(spec.options ?? {});
    },
    handler: (args) => spec.handler(args),
  };
}

/** The command string with its name (one or two words) replaced by `name`. */
function renamed(spec: CommandSpec, name: string): string {
  return [name, ...spec.command.split(' ').filter((w) => /^[<[]/.test(w))].join(' ');
}

/**
 * The top-level commands, and `image` holding its subcommands (`image ls`, `image rm`, …): each
 * command under every name it has, as Podman's `podman image` group does.
 */
function commandTree(commands: readonly CommandSpec[]): CommandModule[] {
  const top = commands.filter((spec) => commandNames(spec)[0]!.length === 1).map((spec) => yargsCommand(spec));
  const inImage = commands.flatMap((spec) => {
    const names = commandNames(spec)
      .filter((words) => words.length === 2 && words[0] === 'image')
      .map((words) => words[1]!);
    return names.length === 0 ? [] : [yargsCommand(spec, renamed(spec, names[0]!), names.slice(1))];
  });
  const image: CommandModule = {
    command: 'image',
    describe: 'Manage images (podman image …)',
    builder: (y) => y.command(inImage).demandCommand(1, 'an image command is required; see hoist image --help'),
    handler: () => undefined,
  };
  return [...top, image];
}

/** Runs `argv` through yargs: help, the version, and every argument list the fast path declined. */
export async function runProgram(argv: string[], commands: readonly CommandSpec[]): Promise<void> {
  const found = findCommand(argv, commands);
  if (found !== undefined) {
    // The one command named, run as yargs' default command: yargs then skips rebuilding the help
    // text of every option on each run (cacheHelpMessage), 20–35 ms.
    await program(found.argv)
      .command(yargsCommand(found.command, renamed(found.command, '$0')))
      .parseAsync();
    return;
  }
  const unknown = unknownCommand(argv, commands);
  if (unknown !== undefined) throw unknown;
  await program(argv).command(commandTree(commands)).demandCommand(1, 'a command is required; see hoist --help').epilog(TOP_LEVEL_EPILOG).parseAsync();
}

/** What `hoist --help` ends with: examples, and the environment variables hoist reads. */
const TOP_LEVEL_EPILOG = `Examples:
  hoist pull fedora                              resolve a short name, pull it from a registry
  hoist pull --policy missing quay.io/team/app:1 pull only when the store lacks it
  hoist pull oci:./layout:1.0 docker-archive:img.tar
  hoist resolve fedora                           show how a name resolves, without pulling
  hoist images --format json
  id=$(hoist pull -q fedora) && hoist inspect "$id"
  hoist unpack fedora ./rootfs                   the image's files, for chroot or a build step
  hoist unpack --bundle fedora ./bundle          an OCI runtime bundle, for crun or runc
  hoist export fedora -o rootfs.tar              the flattened root filesystem as one tar

Environment:
  HOIST_ROOT                   the store (default /var/lib/hoist as root, else $XDG_DATA_HOME/hoist)
  HOIST_CONFIG                 hoist.toml to read instead of the default ones
  HOIST_SIGNATURE_POLICY       containers-policy.json to read (as --signature-policy)
  HOIST_ALIAS_CACHE            the short-name alias cache file
  CONTAINERS_REGISTRIES_CONF   registries.conf to read instead of the default ones
  REGISTRY_AUTH_FILE           the only auth file read (as --authfile)
  XDG_RUNTIME_DIR, XDG_CONFIG_HOME, HOME, DOCKER_CONFIG   where auth files and configuration are looked for
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY (or lower case)        proxies, by Go's rules
  DEBUG=hoist:*                debug logs (also --log-level debug)`;

/**
 * An unknown command named before any option, with the nearest known one suggested: yargs says
 * only "Unknown arguments: pul", which a typo deserves better than.
 */
function unknownCommand(argv: readonly string[], commands: readonly CommandSpec[]): HoistError | undefined {
  const first = argv.find((arg) => !arg.startsWith('-'));
  if (first === undefined || first !== argv[0]) return undefined;
  const names = [...new Set(commands.flatMap((c) => commandNames(c).map((words) => words[0]!)))];
  if (names.includes(first)) return undefined;
  const nearest = names.map((name) => ({ name, distance: editDistance(first, name) })).sort((a, b) => a.distance - b.distance)[0];
  const hint =
    nearest !== undefined && nearest.distance <= Math.max(1, Math.floor(nearest.name.length / 3)) ? `did you mean "${nearest.name}"?` : 'see hoist --help';
  return new HoistError('INVALID_ARGUMENT', `unknown command ${quoted(first)} for "hoist"`, { hint });
}

/** Levenshtein distance: the number of one-character edits from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
