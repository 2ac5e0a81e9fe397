import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tangled } from './fixtures/tangled/layers.js';
import { readImportGraph, type ImportGraph } from './import-graph.js';
import { fileCycles, importViolations, renderDebts, renderTable, startupViolations, tableProblems, unitCycles } from './layering.js';
import { layers } from './layers.js';

// The sources, not the build: compiled from .test-build/test/architecture/ back to the checkout.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const here = join(repoRoot, 'test', 'architecture');

function noProblems(problems: string[], what: string): void {
  assert.deepEqual(problems, [], `${what}:\n${problems.join('\n')}`);
}

/** Where the map's block first differs from what it should read, so the message points at the row. */
function firstDifference(actual: string, expected: string): string {
  const [have, want] = [actual.split('\n'), expected.split('\n')];
  const line = want.findIndex((text, i) => have[i] !== text);
  if (line === -1) return `the page has ${have.length - want.length} line(s) more`;
  return `line ${line + 1} of the block reads\n${have[line] ?? '(nothing)'}\ninstead of\n${want[line]}`;
}

/** The text between `<!-- NAME: … -->` and `<!-- end of NAME -->` in the map. */
function generatedBlock(doc: string, name: string): string {
  const begin = doc.indexOf(`<!-- ${name}:`);
  const end = doc.indexOf(`<!-- end of ${name} -->`);
  assert.ok(begin !== -1 && end > begin, `docs/architecture.md has no "<!-- ${name}: … -->" … "<!-- end of ${name} -->" block`);
  return doc.slice(doc.indexOf('\n', begin) + 1, end).trim();
}

describe('src/ keeps its import table (test/architecture/layers.ts)', () => {
  const graph = readImportGraph(join(repoRoot, 'src'));

  it('has a rule for every folder and top-level file, and each row allows only rows below it', () => {
    noProblems(tableProblems(graph, layers), 'the table and src/ disagree');
  });

  it('imports only what the table allows', () => {
    noProblems(importViolations(graph, layers), 'imports that break the table (fix the import, or change layers.ts and docs/architecture.md with a reason)');
  });

  it('has no import cycle between folders, nor between files', () => {
    noProblems([...unitCycles(graph), ...fileCycles(graph)], 'import cycles');
  });

  it('loads nothing at start-up that the CLI loads on demand', () => {
    noProblems(startupViolations(graph, layers), 'modules cli/main.ts loads before it needs them');
  });

  it('is shown as it is in docs/architecture.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
    for (const [name, text] of [
      ['import table', renderTable(layers)],
      ['known debts', renderDebts(layers)],
    ] as const) {
      const block = generatedBlock(doc, name);
      assert.equal(
        block,
        text,
        `docs/architecture.md's ${name} differs from test/architecture/layers.ts: ${firstDifference(block, text)}\n\nThe whole block should read:\n${text}\n`,
      );
    }
  });
});

describe('the checker finds what breaks a table (fixtures/tangled)', () => {
  const graph = readImportGraph(join(here, 'fixtures', 'tangled', 'src'));

  it('reads every form of import, with its kind and line', () => {
    const forms = graph.edges.filter((e) => e.file === 'high/forms.ts').map(({ line, specifier, kind, target }) => [line, specifier, kind, target]);
    assert.deepEqual(forms, [
      [2, '../low/low.js', 'type', 'low/low.ts'],
      [3, '../events/event.js', 'type', 'events/event.ts'],
      [4, '../leaf.js', 'static', 'leaf.ts'],
      [5, '../mid/mid.js', 'static', 'mid/mid.ts'],
      [6, './high.js', 'type', 'high/high.ts'],
      [7, 'node:zlib', 'type', undefined],
      [9, '../low/low.js', 'dynamic', 'low/low.ts'],
    ]);
  });

  it('reports folders without a rule and rules without a folder', () => {
    assert.deepEqual(tableProblems(graph, tangled), ['stray/ is not in the table', 'ghost/ is in the table but not in the tree']);
  });

  it('reports a table whose rows allow imports up the table', () => {
    const twoFolders: ImportGraph = { files: ['a/x.ts', 'b/y.ts'], edges: [], computed: [] };
    const circular = {
      units: { a: { job: '', mayImport: ['b'] }, b: { job: '', mayImport: ['a'] } },
      everyoneMayImport: [],
      allowedForNow: [{ from: 'b/y.ts', to: 'a/x.ts', reason: '' }],
    };
    assert.deepEqual(tableProblems(twoFolders, circular), [
      'b/ may import a/, which is not below it in the table',
      'allowedForNow: b/y.ts → a/x.ts goes up the table',
    ]);
  });

  it('reports each forbidden import with its file, line and rule, and each stale debt', () => {
    assert.deepEqual(importViolations(graph, tangled), [
      'high/computed.ts:1 imports a computed specifier, which no check can follow: use a string literal',
      'high/value-event.ts:1 imports ../events/event.js: high/ may import events/ for types only (import type)',
      'low/low.ts:1 imports ../high/high.js (type-only): low/ may import nothing; not high/',
      'allowedForNow: mid/gone.ts no longer imports low/low.ts; remove the entry',
    ]);
  });

  it('reports the cycle between folders and the one between files', () => {
    assert.deepEqual(unitCycles(graph), [
      'unit cycle: high/ → low/ → high/ (high/forms.ts:2 imports ../low/low.js (type-only); low/low.ts:1 imports ../high/high.js (type-only))',
    ]);
    assert.deepEqual(fileCycles(graph), ['file cycle: high/high.ts → mid/mid.ts → low/low.ts → high/high.ts']);
  });

  it('reports what the entry loads at start-up, by its shortest static chain, and not what it imports lazily', () => {
    assert.deepEqual(startupViolations(graph, tangled), [
      'high/entry.ts loads node:os at start-up: high/entry.ts → mid/mid.ts → node:os. node:os loads later.',
      'high/entry.ts loads events at start-up: high/entry.ts → mid/debt.ts → events/event.ts. events load later.',
    ]);
  });
});
