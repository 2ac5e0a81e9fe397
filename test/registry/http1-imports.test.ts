import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readImportGraph } from '../architecture/import-graph.js';

// The sources, not the build: compiled from .test-build/test/registry/ back to the checkout.
const src = join(fileURLToPath(new URL('../../../', import.meta.url)), 'src');

test('nothing src/http1/ loads reaches undici, type imports included', () => {
  const graph = readImportGraph(src);
  const reached = new Set(graph.files.filter((f) => f.startsWith('http1/')));
  const undici: string[] = [];
  for (const file of reached) {
    for (const edge of graph.edges.filter((e) => e.file === file)) {
      if (edge.target !== undefined) reached.add(edge.target);
      else if (/^undici(\/|$)/.test(edge.specifier)) undici.push(`${edge.file}:${edge.line} imports ${edge.specifier}`);
    }
  }
  assert.ok(
    [...reached].some((f) => f.startsWith('io/')),
    'the walk follows imports out of http1/',
  );
  assert.deepEqual(undici, []);
});
