import { compileTemplate } from './go-template.js';
import { formatTable } from './human.js';

/**
 * `--format` as Podman reads it, for images, inspect and events: `json` (or `{{json .}}`, which
 * Podman takes as the same, containers/common's report.IsJSON), a Go template run per item, or
 * `table TEMPLATE`: a header row, then the items, in aligned columns.
 */

/** Whether FORMAT asks for the command's JSON document rather than a template. */
export function isJsonFormat(format: string): boolean {
  return /^\s*(json|\{\{\s*json\s+\.\s*\}\})\s*$/.test(format);
}

/** `table` alone: the command's own table (Podman 4.3 prints the word "table" once per item). */
export function isDefaultTable(format: string): boolean {
  return format.trim() === 'table';
}

export interface TemplateOutput {
  /** The column title of a field, for `table`; Podman's: the name in capitals, words split (RepoTags: REPO TAGS). */
  headerOf?: (field: string) => string;
  noHeading?: boolean;
}

/** Podman's column title of a field: `RepoTags` → `REPO TAGS`, `ID` → `ID`. */
export function fieldHeader(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toUpperCase();
}

/**
 * The lines FORMAT makes of `items` (no trailing newline; empty when there is nothing to show).
 * Outside actions, `\t` and `\n` as typed are a tab and a line break, as in Podman; in a table,
 * a space there separates columns too (Podman also rewrites spaces inside actions and quoted
 * strings, which breaks `printf "%s %s"`: hoist leaves actions alone).
 */
export function renderTemplate(format: string, items: readonly unknown[], output: TemplateOutput = {}): string {
  const table = /^table\s/.test(format);
  const body = outsideActions(table ? format.replace(/^table\s+/, '') : format, (text) => {
    const escaped = text.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
    return table ? escaped.replaceAll(' ', '\t') : escaped;
  });
  const template = compileTemplate(body);
  const lineEnd = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  let out = table && output.noHeading !== true ? lineEnd(template.header(output.headerOf ?? fieldHeader)) : '';
  for (const item of items) out += lineEnd(template.render(item));
  const lines = out.replace(/\n$/, '').split('\n');
  return out === '' ? '' : formatTable(lines.map((l) => l.split('\t')));
}

/** `format` with `change` applied to the text between actions, the actions (`{{…}}`) as they are. */
function outsideActions(format: string, change: (text: string) => string): string {
  return format
    .split(/(\{\{[\s\S]*?\}\})/)
    .map((part, i) => (i % 2 === 1 ? part : change(part)))
    .join('');
}
