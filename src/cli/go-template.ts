import { printable, quoted } from '../errors.js';
import { type Command, type Operand, type Pipeline, parseTemplate, type TemplateNode, templateError } from './go-template-parse.js';
import { goJson, goString, goTruthy, isPlainObject } from './go-values.js';

/** A parsed `--format` template: rendered once per item, and once for `table`'s header row. */
export interface CompiledTemplate {
  render(data: unknown): string;
  /** The header row: the text as written, each action replaced by the header of the field it shows. */
  header(headerOf: (field: string) => string): string;
}

export function compileTemplate(template: string): CompiledTemplate {
  const nodes = parseTemplate(template);
  return {
    render: (data) => renderNodes(template, nodes, data, true),
    header: (headerOf) => nodes.map((n) => (n.kind === 'text' ? n.text : headerOf(firstField(n.pipeline) ?? ''))).join(''),
  };
}

/** The last name of the first field a pipeline reads (`Tag` in `{{upper .Tag}}`), as Podman titles columns. */
function firstField(pipeline: Pipeline): string | undefined {
  for (const command of pipeline) {
    for (const arg of command.args) {
      const name = arg.kind === 'field' ? arg.path.at(-1) : arg.kind === 'pipeline' ? firstField(arg.pipeline) : undefined;
      if (name !== undefined) return name;
    }
  }
  return undefined;
}

/** `top`: whether `dot` is the item itself, whose fields are fixed (a struct, in Go), or a value inside it. */
function renderNodes(template: string, nodes: TemplateNode[], dot: unknown, top: boolean): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    // A value's own line breaks and tabs are shown escaped: only the template's make lines and columns.
    else if (node.kind === 'action') out += printable(goString(evalPipeline(template, node.pipeline, dot, top)));
    else if (node.kind === 'if') {
      const branch = goTruthy(evalPipeline(template, node.pipeline, dot, top)) ? node.body : node.else;
      out += renderNodes(template, branch, dot, top);
    } else {
      const value = evalPipeline(template, node.pipeline, dot, top);
      const items = Array.isArray(value)
        ? value
        : isPlainObject(value)
          ? Object.keys(value)
              .sort()
              .map((k) => value[k])
          : undefined;
      if (items === undefined && value !== undefined && value !== null) {
        throw templateError(template, node.pipeline[0]!.at, `range can't iterate over ${goString(value)}`);
      }
      if (items === undefined || items.length === 0) out += renderNodes(template, node.else, dot, top);
      else for (const item of items) out += renderNodes(template, node.body, item, false);
    }
  }
  return out;
}

function evalPipeline(template: string, pipeline: Pipeline, dot: unknown, top: boolean): unknown {
  let result: unknown;
  pipeline.forEach((command, i) => {
    result = evalCommand(template, command, dot, top, i === 0 ? [] : [result]);
  });
  return result;
}

function evalCommand(template: string, command: Command, dot: unknown, top: boolean, piped: unknown[]): unknown {
  const args = [...command.args.map((a) => evalOperand(template, a, dot, top)), ...piped];
  if (command.function === undefined) {
    if (piped.length > 0) throw templateError(template, command.at, 'only a function can take a piped value');
    return args[0];
  }
  const fn = functions[command.function]!;
  const problem = fn.arity !== undefined && fn.arity !== args.length ? `${command.function} takes ${fn.arity} argument(s), got ${args.length}` : undefined;
  if (problem !== undefined) throw templateError(template, command.at, problem);
  try {
    return fn.call(args);
  } catch (err) {
    if (err instanceof TemplateFunctionError) throw templateError(template, command.at, `${command.function}: ${err.message}`);
    throw err;
  }
}

function evalOperand(template: string, operand: Operand, dot: unknown, top: boolean): unknown {
  switch (operand.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return operand.value;
    case 'pipeline':
      return evalPipeline(template, operand.pipeline, dot, top);
    case 'field':
      return operand.path.reduce<unknown>((value, name, depth) => {
        if (isPlainObject(value) && Object.hasOwn(value, name)) return value[name];
        // The item's own fields are fixed, as a Go struct's: a name it lacks is a mistake, as in
        // Podman ("can't evaluate field"). Below it, objects are maps: a missing key is <no value>.
        if (top && depth === 0) throw templateError(template, operand.at, `no field ${quoted(name)} (see the command's --help for the fields)`);
        if (isPlainObject(value) || value === undefined || value === null) return undefined;
        throw templateError(template, operand.at, `can't read field ${quoted(name)} of ${quoted(goString(value))}`);
      }, dot);
  }
}

class TemplateFunctionError extends Error {}

function text(value: unknown): string {
  return typeof value === 'string' ? value : goString(value);
}

function count(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new TemplateFunctionError(`no length for ${goString(value)}`);
}

/** printf's verbs %s %v %d %q %%, with a width and the - flag (`%-20s`). */
function printf(format: unknown, values: unknown[]): string {
  let next = 0;
  return text(format).replace(/%(-?)(\d*)([svdq%])/g, (_, left: string, width: string, verb: string) => {
    if (verb === '%') return '%';
    if (next >= values.length) return `%!${verb}(MISSING)`;
    const value = values[next++];
    const shown = verb === 'q' ? JSON.stringify(text(value)) : verb === 'd' && typeof value !== 'number' ? `%!d(${goString(value)})` : goString(value);
    const pad = Number(width || 0);
    return left === '-' ? shown.padEnd(pad) : shown.padStart(pad);
  });
}

const functions: Record<string, { arity?: number; call(args: unknown[]): unknown }> = {
  json: { arity: 1, call: ([v]) => goJson(v) },
  upper: { arity: 1, call: ([v]) => text(v).toUpperCase() },
  lower: { arity: 1, call: ([v]) => text(v).toLowerCase() },
  title: { arity: 1, call: ([v]) => text(v).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase()) },
  join: {
    arity: 2,
    call: ([list, separator]) => {
      if (!Array.isArray(list)) throw new TemplateFunctionError(`${goString(list)} is not a list`);
      return list.map(text).join(text(separator));
    },
  },
  truncate: { arity: 2, call: ([v, n]) => [...text(v)].slice(0, typeof n === 'number' ? n : 0).join('') },
  index: {
    call: ([collection, ...keys]) =>
      keys.reduce<unknown>((value, key) => {
        if (Array.isArray(value) && typeof key === 'number') {
          if (key < 0 || key >= value.length) throw new TemplateFunctionError(`index ${key} out of range`);
          return value[key];
        }
        if (isPlainObject(value) && typeof key === 'string') return Object.hasOwn(value, key) ? value[key] : '';
        if (value === undefined || value === null) return '';
        throw new TemplateFunctionError(`can't index ${goString(value)} with ${goString(key)}`);
      }, collection),
  },
  len: { arity: 1, call: ([v]) => count(v) },
  printf: { call: ([format, ...values]) => printf(format, values) },
  print: { call: (values) => values.map(goString).join('') },
  eq: { call: ([a, ...others]) => others.some((b) => goString(a) === goString(b)) },
  ne: { arity: 2, call: ([a, b]) => goString(a) !== goString(b) },
  not: { arity: 1, call: ([v]) => !goTruthy(v) },
  and: { call: (values) => values.find((v) => !goTruthy(v)) ?? values.at(-1) },
  or: { call: (values) => values.find(goTruthy) ?? values.at(-1) },
};
