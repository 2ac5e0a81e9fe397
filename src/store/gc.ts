import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import createDebug from 'debug';
import { parseManifest } from '../manifest/index.js';
import type { StorePaths } from './layout.js';
import { processIsAlive } from './process-alive.js';
import type { ImageRecord } from './records.js';
import { reclaimTmp } from './tmp-files.js';

const debug = createDebug('hoist:store');

/**
 * Marks the blobs of a pull in progress so a concurrent `rmi` does not collect them between the
 * moment the pull finds them present (or writes them) and the commit of the image record. Runs
 * under the store lock, as garbage collection does: a collection either finished before the mark
 * (and the pull then sees what it removed as missing) or sees the whole mark. Returns the
 * function that clears the mark.
 */
export async function markInFlight(paths: StorePaths, digests: readonly string[]): Promise<() => Promise<void>> {
  const marker = `${paths.tmpFile('inflight')}.json`;
  try {
    await writeFile(marker, JSON.stringify({ pid: process.pid, digests }), { flag: 'wx' });
  } catch (err) {
    await rm(marker, { force: true }); // a full disk leaves no empty marker behind
    throw err;
  }
  return () => rm(marker, { force: true });
}

async function inFlightDigests(paths: StorePaths): Promise<Set<string>> {
  const digests = new Set<string>();
  for (const name of await readdir(paths.tmp).catch(() => [] as string[])) {
    if (!name.startsWith('inflight-')) continue;
    try {
      const { pid, digests: list } = JSON.parse(await readFile(join(paths.tmp, name), 'utf8')) as { pid: number; digests: string[] };
      if (processIsAlive(pid)) list.forEach((d) => digests.add(d));
    } catch {
      // unreadable or vanished marker: its pull is over
    }
  }
  return digests;
}

/** Every blob a record needs: its manifest, config, layers and accepted signatures. */
export async function blobsOf(paths: StorePaths, record: ImageRecord): Promise<string[]> {
  const bytes = await readFile(paths.blob(record.manifestDigest));
  const manifest = parseManifest(bytes, record.manifestMediaType, `stored manifest ${record.manifestDigest}`);
  const signatures = record.signatures ?? [];
  if (manifest.kind !== 'manifest') return [record.manifestDigest, ...signatures];
  return [record.manifestDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest), ...signatures];
}

/** Digests that must stay: every blob a record needs, and those of pulls in flight. */
async function neededDigests(paths: StorePaths, records: readonly ImageRecord[]): Promise<Set<string>> {
  const keep = await inFlightDigests(paths);
  for (const record of records) {
    for (const digest of await blobsOf(paths, record).catch(() => [record.manifestDigest, ...(record.signatures ?? [])])) keep.add(digest);
  }
  return keep;
}

/**
 * Removes blobs no record references and no pull in flight needs, and what dead processes left in
 * tmp/ (partial blobs too: rmi is asked to free space). Runs under the store lock so no commit or
 * in-flight mark races it.
 */
export async function collectGarbage(paths: StorePaths, records: readonly ImageRecord[]): Promise<number> {
  const keep = await neededDigests(paths, records);
  let removed = 0;
  const blobsDir = join(paths.root, 'blobs');
  for (const algorithm of await readdir(blobsDir).catch(() => [] as string[])) {
    for (const hex of await readdir(join(blobsDir, algorithm)).catch(() => [] as string[])) {
      if (keep.has(`${algorithm}:${hex}`)) continue;
      await rm(join(blobsDir, algorithm, hex), { force: true });
      removed++;
      debug('removed unreferenced blob %s:%s', algorithm, hex);
    }
  }
  await reclaimTmp(paths, { partialBlobs: 'unclaimed' });
  return removed;
}
