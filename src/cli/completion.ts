import type { Options } from 'yargs';
import { defaultStoreRoot, storedNames } from '../store/index.js';
import { transportPrefix, transports } from '../transports/index.js';
import { globalOptions, type CommandSpec } from './command-spec.js';
import { commandNames } from './dispatch.js';
import { writeStdout } from './output.js';

/**
 * `hoist completion bash|zsh|fish` prints a script that asks `hoist __complete WORDS…` for the
 * candidates of the word being typed, as `podman completion` (cobra's `__complete`) does: so the
 * script never goes stale, and stored image names come from the store itself.
 */
const SCRIPTS = {
  // COMP_LINE up to the cursor, not COMP_WORDS: bash splits words at ':' and '=', which would cut
  // `oci:PATH` and `--policy=…` apart. What bash replaces is only the part after the last of them.
  bash: `# hoist completion for bash: source <(hoist completion bash)
_hoist() {
  local IFS=$'\\n'
  COMPREPLY=($(hoist __complete --line "\${COMP_LINE:0:\${COMP_POINT}}" 2>/dev/null))
}
complete -o default -F _hoist hoist
`,
  zsh: `#compdef hoist
# hoist completion for zsh: hoist completion zsh > "\${fpath[1]}/_hoist"
_hoist() {
  local -a candidates
  candidates=("\${(@f)$(hoist __complete "\${(@)words[2,$CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _hoist hoist
`,
  fish: `# hoist completion for fish: hoist completion fish | source
complete -c hoist -f -a '(hoist __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
} as const;

export type Shell = keyof typeof SCRIPTS;

export const completionCommand: CommandSpec<{ shell: Shell }> = {
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash, zsh or fish)',
  positionals: { shell: { choices: Object.keys(SCRIPTS), demandOption: true, describe: 'the shell' } },
  async handler(args) {
    process.stdout.write(SCRIPTS[args.shell]);
  },
};

/** The words of a command line: the ones before the cursor, then the one being typed (maybe ''). */
export function wordsOfLine(line: string): string[] {
  const words = line.split(/\s+/).slice(1); // the first is `hoist` itself
  return words.length === 0 ? [''] : words;
}

const flagNames = (options: Record<string, Options>) =>
  Object.entries(options).flatMap(([name, option]) => [`--${name}`, ...[option.alias ?? []].flat().map((a) => (a.length === 1 ? `-${a}` : `--${a}`))]);

/** The name of the option `flag` (`--policy`, `-q`) stands for, by its name or an alias. */
function optionName(flag: string, options: Record<string, Options>): string | undefined {
  const written = flag.replace(/^-+/, '');
  return written in options ? written : Object.keys(options).find((name) => [options[name]!.alias ?? []].flat().includes(written));
}

function takesValue(flag: string, options: Record<string, Options>): boolean {
  const name = optionName(flag, options);
  const option = name === undefined ? undefined : options[name];
  return option !== undefined && option.type !== 'boolean' && option.count !== true;
}

/**
 * The candidates for the last of `words` (the word being typed), given the words before it:
 * command names first; then a command's flags after `-`; a flag's choices after a flag that takes
 * one (nothing for a free value: the shell completes file names); else the positionals' kind.
 */
export async function completions(words: readonly string[], commands: readonly CommandSpec[], root: string): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let command: CommandSpec | undefined;
  let options = globalOptions;
  /** The words of the command's name typed so far (`image` of `image ls`). */
  const named: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    if (word.startsWith('-')) {
      if (!word.includes('=') && takesValue(word, options)) i++;
      continue;
    }
    if (command === undefined) {
      named.push(word);
      command = commands.find((c) => commandNames(c).some((name) => name.join(' ') === named.join(' ')));
      if (command !== undefined) options = { ...globalOptions, ...command.options };
    }
  }
  const valuesOf = (flag: string): readonly string[] => {
    const name = optionName(flag, options);
    if (name === undefined) return [];
    return (options[name]!.choices as string[] | undefined) ?? command?.optionValues?.[name] ?? [];
  };
  const previous = before.at(-1);
  if (previous?.startsWith('-') && !previous.includes('=') && takesValue(previous, options)) {
    return matching(valuesOf(previous), current);
  }
  if (current.startsWith('--') && current.includes('=')) {
    const flag = current.slice(0, current.indexOf('='));
    return matching(
      valuesOf(flag).map((value) => `${flag}=${value}`),
      current,
    );
  }
  if (current.startsWith('-')) return matching(flagNames(options), current);
  if (command === undefined) {
    const next = commands.flatMap((c) => commandNames(c)).filter((name) => named.every((word, i) => name[i] === word) && name.length > named.length);
    return matching([...new Set(next.map((name) => name[named.length]!))], current);
  }
  const positional = Object.values(command.positionals ?? {})[0];
  if (positional?.choices !== undefined) return matching(positional.choices as string[], current);
  if (command.completes === undefined) return [];
  const names = await storedNames(root).catch(() => []);
  const offered = command.completes === 'pullable' ? [...transports.map((t) => transportPrefix(t.name)), ...names] : names;
  return matching(offered, current);
}

const matching = (candidates: readonly string[], prefix: string) => candidates.filter((c) => c.startsWith(prefix));

/**
 * `hoist __complete WORDS…` (zsh, fish: the words, the last one being typed) or `hoist __complete
 * --line LINE` (bash: the line up to the cursor). For bash each candidate loses what comes up to
 * the last ':' or '=' of the word, since bash replaces only the part after them.
 */
export async function complete(args: readonly string[], commands: readonly CommandSpec[]): Promise<void> {
  const bash = args[0] === '--line';
  const words = bash ? wordsOfLine(args[1] ?? '') : args.length === 0 ? [''] : [...args];
  const rootAt = words.indexOf('--root');
  const root = rootAt >= 0 && rootAt < words.length - 2 ? words[rootAt + 1]! : defaultStoreRoot();
  const found = await completions(words, commands, root);
  const current = words.at(-1)!;
  const cut = bash ? Math.max(current.lastIndexOf(':'), current.lastIndexOf('=')) + 1 : 0;
  if (found.length > 0) writeStdout(found.map((c) => c.slice(cut)).join('\n'));
}
