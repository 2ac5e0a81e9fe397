import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { transports } from '../../src/transports/index.js';
import { repoRoot } from '../helpers/cli.js';

const BEGIN = '<!-- transport table: generated from src/transports/table.ts by renderTransportTable (test/transports/readme.test.ts) -->';
const END = '<!-- end of transport table -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** README's transport table as the transport table gives it: one row per line, in its order. */
function renderTransportTable(): string {
  const rows = transports.map(({ help }) => `| ${help.syntax.map((s) => cell(`\`${s}\``)).join(', ')} | ${cell(help.source)} | ${cell(help.naming)} |`);
  return ['| syntax | source | name the pulled image gets |', '|---|---|---|', ...rows].join('\n');
}

test("README's transport table is the transport table (src/transports/table.ts)", async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  assert.ok(start >= 0 && end > start, `README.md has no block between ${BEGIN} and ${END}`);
  const shown = readme.slice(start + BEGIN.length, end).trim();
  assert.equal(shown, renderTransportTable(), `README.md's transport table differs from the table; paste this between the markers:\n${renderTransportTable()}`);
});
