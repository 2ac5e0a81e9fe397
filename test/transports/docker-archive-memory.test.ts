import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Store } from '../../src/store/index.js';
import { dockerArchiveTransport } from '../../src/transports/docker-archive.js';
import { pullArchive, writeLargeDockerArchive } from '../helpers/archives.js';

/**
 * A pull of a few hundred MB archive stays in bounded memory. The pull runs in a child process
 * with a small V8 heap and reports its peak RSS (VmHWM), the process's whole footprint: 63 MiB
 * measured, under issue 6's 100 MiB bound; buffering any one layer (the largest is 160 MiB)
 * would push it far past.
 */

const CHILD_ENV = 'HOIST_ARCHIVE_MEMORY_CHILD';
const MAX_RSS_BYTES = 100 * 1024 * 1024;

interface ChildReport {
  id: string;
  names: string[];
  layers: { digest: string; size: number }[];
  peakRssBytes: number;
  pullMs: number;
}

async function childPull({ archive, root }: { archive: string; root: string }): Promise<void> {
  const started = performance.now();
  const store = await Store.open(root);
  const record = await pullArchive(dockerArchiveTransport, archive, store);
  const pullMs = performance.now() - started;
  const layers = (await store.manifestOf(record)).layers.map((l) => ({ digest: l.digest, size: l.size }));
  const peakKb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
  const report: ChildReport = { id: record.id, names: record.names, layers, peakRssBytes: peakKb * 1024, pullMs };
  process.stdout.write(JSON.stringify(report));
}

if (process.env[CHILD_ENV] !== undefined) {
  await childPull(JSON.parse(process.env[CHILD_ENV]) as { archive: string; root: string });
} else {
  test('pulls a ~300 MB docker archive in bounded memory', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hoist-archive-memory-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const archive = join(dir, 'large.tar');
    const expected = await writeLargeDockerArchive(archive, [160, 96], 48);
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', fileURLToPath(import.meta.url)], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify({ archive, root: join(dir, 'store') }) },
    });
    const report = JSON.parse(stdout) as ChildReport;
    t.diagnostic(
      `archive ${(expected.size / 2 ** 20).toFixed(0)} MiB pulled in ${(report.pullMs / 1000).toFixed(2)} s, peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    assert.equal(report.id, expected.id);
    assert.deepEqual(report.names, ['localhost/large:1']);
    assert.deepEqual(report.layers, expected.layers);
    assert.ok(report.peakRssBytes < MAX_RSS_BYTES, `peak RSS ${report.peakRssBytes} bytes is not under ${MAX_RSS_BYTES}`);
  });
}
