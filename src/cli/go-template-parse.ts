import { HoistError, quoted } from '../errors.js';

/**
 * The parser of hoist's subset of Go's text/template, the language of Podman's `--format`
 * (docs/decisions.md lists the subset). Anything outside it fails here, before any output, with
 * the template and the position (1-based, in characters) of what was refused.
 */

export type Operand =
  | { kind: 'field'; path: string[]; at: number }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'pipeline'; pipeline: Pipeline };

/** One command of a pipeline: a function and its arguments, or a single operand (`function` absent). */
export interface Command {
  function?: string;
  args: Operand[];
  at: number;
}

export type Pipeline = Command[];

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if' | 'range'; pipeline: Pipeline; body: TemplateNode[]; else: TemplateNode[] };

/** The functions of the subset: Go's builtins scripts use, and those Podman adds (containers/common's report). */
export const TEMPLATE_FUNCTIONS = [
  'json',
  'upper',
  'lower',
  'title',
  'join',
  'truncate',
  'index',
  'len',
  'printf',
  'print',
  'eq',
  'ne',
  'not',
  'and',
  'or',
] as const;

export function templateError(template: string, at: number, problem: string): HoistError {
  return new HoistError('INVALID_ARGUMENT', `invalid --format template ${quoted(template)}: ${problem} at position ${at + 1}`);
}

interface Token {
  text: string;
  at: number;
}

/** An action's words: strings (Go's "…" and `…`), parentheses and pipes alone, everything else split at spaces. */
function tokenize(template: string, body: string, offset: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === '`') {
      const end = c === '"' ? closingQuote(body, i) : body.indexOf('`', i + 1);
      if (end < 0) throw templateError(template, offset + i, 'unterminated string');
      tokens.push({ text: body.slice(i, end + 1), at: offset + i });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === '|') {
      tokens.push({ text: c, at: offset + i });
      i++;
    } else {
      const start = i;
      while (i < body.length && !/[\s()|"`]/.test(body[i]!)) i++;
      tokens.push({ text: body.slice(start, i), at: offset + start });
    }
  }
  return tokens;
}

function closingQuote(body: string, open: number): number {
  for (let i = open + 1; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === '"') return i;
  }
  return -1;
}

/** Parses a whole template (without Podman's `table` prefix) into its nodes. */
export function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  // The open blocks, innermost last; nodes go to the top one's current branch.
  const open: { node: Extract<TemplateNode, { kind: 'if' | 'range' }>; inElse: boolean; at: number }[] = [];
  const target = () => {
    const top = open.at(-1);
    return top === undefined ? root : top.inElse ? top.node.else : top.node.body;
  };
  let i = 0;
  let trimNext = false;
  while (i < template.length) {
    const start = template.indexOf('{{', i);
    let text = template.slice(i, start < 0 ? undefined : start);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (start < 0) {
      if (text !== '') target().push({ kind: 'text', text });
      break;
    }
    const end = template.indexOf('}}', start + 2);
    if (end < 0) throw templateError(template, start, 'unclosed action');
    let bodyStart = start + 2;
    let bodyEnd = end;
    if (template.startsWith('- ', bodyStart)) {
      text = text.replace(/\s+$/, '');
      bodyStart += 2;
    }
    trimNext = template[bodyEnd - 1] === '-' && /\s/.test(template[bodyEnd - 2] ?? '');
    if (trimNext) bodyEnd -= 2;
    if (text !== '') target().push({ kind: 'text', text });
    i = end + 2;
    const body = template.slice(bodyStart, bodyEnd);
    if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) continue; // a comment
    const tokens = tokenize(template, body, bodyStart);
    const keyword = tokens[0]?.text;
    if (keyword === undefined) throw templateError(template, start, 'empty action');
    if (keyword === 'if' || keyword === 'range') {
      const node: Extract<TemplateNode, { kind: 'if' | 'range' }> = {
        kind: keyword,
        pipeline: parsePipeline(template, tokens.slice(1), tokens[0]!.at),
        body: [],
        else: [],
      };
      target().push(node);
      open.push({ node, inElse: false, at: start });
    } else if (keyword === 'else' || keyword === 'end') {
      const top = open.at(-1);
      if (top === undefined || (keyword === 'else' && top.inElse)) throw templateError(template, start, `unexpected {{${keyword}}}`);
      if (tokens.length > 1) throw templateError(template, tokens[1]!.at, `unexpected ${quoted(tokens[1]!.text)} in {{${keyword}}}`);
      if (keyword === 'else') top.inElse = true;
      else open.pop();
    } else {
      target().push({ kind: 'action', pipeline: parsePipeline(template, tokens, bodyStart) });
    }
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) throw templateError(template, unclosed.at, `{{${unclosed.node.kind}}} without {{end}}`);
  return root;
}

function parsePipeline(template: string, tokens: Token[], at: number): Pipeline {
  if (tokens.length === 0) throw templateError(template, at, 'missing value');
  const pipeline: Pipeline = [];
  let rest = tokens;
  while (rest.length > 0) {
    const bar = topLevelIndex(rest, '|');
    const words = bar < 0 ? rest : rest.slice(0, bar);
    if (words.length === 0) throw templateError(template, rest[0]?.at ?? at, 'missing command in pipeline');
    pipeline.push(parseCommand(template, words));
    rest = bar < 0 ? [] : rest.slice(bar + 1);
    if (bar >= 0 && rest.length === 0) throw templateError(template, tokens.at(-1)!.at, 'missing command after |');
  }
  return pipeline;
}

/** Where `text` stands in `tokens` outside parentheses, or -1. */
function topLevelIndex(tokens: Token[], text: string): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if (t === text && depth === 0) return i;
  }
  return -1;
}

function parseCommand(template: string, words: Token[]): Command {
  const first = words[0]!;
  const operands = parseOperands(template, /^[A-Za-z_]\w*$/.test(first.text) && !['true', 'false'].includes(first.text) ? words.slice(1) : words);
  if (operands.length === words.length) {
    if (operands.length > 1) throw templateError(template, words[1]!.at, `${quoted(first.text)} is not a function, yet has arguments`);
    return { args: operands, at: first.at };
  }
  if (!(TEMPLATE_FUNCTIONS as readonly string[]).includes(first.text)) {
    throw templateError(template, first.at, `function ${quoted(first.text)} is not supported (hoist knows: ${TEMPLATE_FUNCTIONS.join(', ')})`);
  }
  return { function: first.text, args: operands, at: first.at };
}

function parseOperands(template: string, words: Token[]): Operand[] {
  const operands: Operand[] = [];
  for (let i = 0; i < words.length; i++) {
    const { text, at } = words[i]!;
    if (text === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < words.length && depth > 0; j++) depth += words[j]!.text === '(' ? 1 : words[j]!.text === ')' ? -1 : 0;
      if (depth > 0) throw templateError(template, at, 'unclosed parenthesis');
      operands.push({ kind: 'pipeline', pipeline: parsePipeline(template, words.slice(i + 1, j - 1), at) });
      i = j - 1;
    } else if (text === ')') {
      throw templateError(template, at, 'unexpected )');
    } else {
      operands.push(parseOperand(template, text, at));
    }
  }
  return operands;
}

function parseOperand(template: string, text: string, at: number): Operand {
  if (text === '.') return { kind: 'field', path: [], at };
  if (/^(\.[A-Za-z_]\w*)+$/.test(text)) return { kind: 'field', path: text.slice(1).split('.'), at };
  if (text.startsWith('"')) {
    try {
      return { kind: 'string', value: JSON.parse(text) as string };
    } catch {
      throw templateError(template, at, 'malformed string');
    }
  }
  if (text.startsWith('`')) return { kind: 'string', value: text.slice(1, -1) };
  if (text === 'true' || text === 'false') return { kind: 'bool', value: text === 'true' };
  if (/^-?\d+$/.test(text)) return { kind: 'number', value: Number(text) };
  if (text.startsWith('$')) throw templateError(template, at, 'variables ($) are not supported');
  throw templateError(template, at, `unexpected ${quoted(text)}`);
}
