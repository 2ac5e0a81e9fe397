import parser from 'yargs-parser';
import type { Options } from 'yargs';
import { globalOptions, PARSER_CONFIGURATION, type CommandSpec } from './command-spec.js';

/**
 * yargs' own parser with the configuration yargs gives it (yargs-factory's
 * kRunYargsParserAndExecuteCommands), plus hoist's own (PARSER_CONFIGURATION), so a list it
 * accepts means what it means to yargs.
 */
const CONFIGURATION = { 'parse-positional-numbers': false, 'populate--': true, ...PARSER_CONFIGURATION } as const;

/**
 * The arguments of a command, parsed by yargs-parser alone, when the list is plainly valid: every
 * option known with a value of its type and choices, no option twice, the positionals the command
 * takes. Anything else returns undefined and goes to yargs, which explains it.
 *
 * Why: loading and running yargs costs about 45 ms of every hoist run on the 2-core VM (a bundle
 * holding only yargs and a one-option command ran in 86 ms where an empty script took 38 ms, 21
 * runs each), the largest part of a `--policy missing` pull. yargs-parser alone costs ~6 ms.
 * The option tables are the ones yargs is built from (command-spec.ts), and test/cli/quick-parse
 * checks the result against yargs' own for the same lists.
 */
export function quickParse(spec: CommandSpec, argv: readonly string[]): Record<string, unknown> | undefined {
  const options = { ...globalOptions, ...spec.options };
  const parsed = parser.detailed([...argv], { ...parserOptions(options), configuration: CONFIGURATION });
  if (parsed.error !== null) return undefined;
  const args: Record<string, unknown> = parsed.argv;
  const doubleDash = args['--'];
  if (Array.isArray(doubleDash) && doubleDash.length > 0) return undefined;
  const known = knownKeys(spec, options);
  if (!Object.keys(args).every((key) => known.has(key))) return undefined;
  if (!Object.entries(options).every(([name, option]) => acceptable(args[name], option))) return undefined;
  const positionals = assignPositionals(spec, args._ as unknown[]);
  if (positionals === undefined) return undefined;
  return { ...args, ...positionals };
}

function parserOptions(options: Record<string, Options>): parser.Options {
  const typed = (type: Options['type']) => Object.keys(options).filter((name) => typeOf(options[name]!) === type);
  return {
    boolean: typed('boolean'),
    string: typed('string'),
    number: typed('number'),
    alias: Object.fromEntries(Object.entries(options).flatMap(([name, o]) => (o.alias === undefined ? [] : [[name, [o.alias].flat()]]))),
    default: Object.fromEntries(Object.entries(options).flatMap(([name, o]) => (o.default === undefined ? [] : [[name, o.default]]))),
  };
}

/** An option with choices and no type holds a string (a number outside its choices fails either way). */
function typeOf(option: Options): Options['type'] {
  return option.type ?? (option.choices !== undefined ? 'string' : undefined);
}

/** Every key yargs-parser may set for a known option: its name, aliases, their camelCase forms. */
function knownKeys(spec: CommandSpec, options: Record<string, Options>): Set<string> {
  const names = Object.entries(options).flatMap(([name, o]) => [name, ...(o.alias === undefined ? [] : [o.alias].flat())]);
  return new Set(['_', '--', ...names, ...names.map(camelCase), ...Object.keys(spec.positionals ?? {})]);
}

function camelCase(name: string): string {
  return name.replace(/-+([a-z])/g, (_, c: string) => c.toUpperCase());
}

function acceptable(value: unknown, option: Options): boolean {
  if (value === undefined) return option.demandOption === undefined || option.demandOption === false;
  if (Array.isArray(value)) return false; // given twice: yargs decides what that means
  const type = typeOf(option);
  if (type === 'number' && (typeof value !== 'number' || Number.isNaN(value))) return false;
  if (type === 'string' && typeof value !== 'string') return false;
  if (type === 'boolean' && typeof value !== 'boolean') return false;
  return option.choices === undefined || [option.choices].flat().includes(value as string);
}

/**
 * `<name>`, `<name..>`, `[name]` and a last `[name..]` positional of the command string, filled
 * from the words after the command (an optional one with none stays unset, as in yargs).
 */
function assignPositionals(spec: CommandSpec, words: readonly unknown[]): Record<string, unknown> | undefined {
  const declared = spec.command.split(' ').filter((token) => /^[<[]/.test(token));
  const values: Record<string, unknown> = {};
  let next = 0;
  for (const token of declared) {
    const match = /^(?:<([\w-]+)(\.\.)?>|\[([\w-]+)(\.\.)?\])$/.exec(token);
    if (match === null) return undefined; // an unusual positional: yargs handles it
    const [, required, variadic, optional, optionalVariadic] = match;
    if (optional !== undefined) {
      if (optionalVariadic !== undefined) {
        if (next < words.length) values[optional] = words.slice(next).map(String);
        next = words.length;
      } else if (next < words.length) values[optional] = String(words[next++]);
      continue;
    }
    if (next >= words.length) return undefined;
    values[required!] = variadic ? words.slice(next).map(String) : String(words[next]);
    next = variadic ? words.length : next + 1;
  }
  return next === words.length ? values : undefined;
}
