import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import createDebug from 'debug';
import { parseManifest } from '../manifest/index.js';
import type { StorePaths } from './layout.js';
import { processIsAlive } from './process-alive.js';
import type { ImageRecord } from './records.js';

const debug = createDebug('hoist:store');

const TMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Marks the blobs of a pull in progress so a concurrent `rmi` does not collect them between
 * their download and the commit of the image record. Returns the function that clears the mark.
 */
export async function markInFlight(paths: StorePaths, digests: readonly string[]): Promise<() => Promise<void>> {
  const marker = `${paths.tmpFile('inflight')}.json`;
  await writeFile(marker, JSON.stringify({ pid: process.pid, digests }));
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
 * Removes the given blobs (those a failed pull wrote) unless a record or a pull in flight needs
 * them. Runs under the store lock.
 */
export async function removeBlobsIfUnneeded(paths: StorePaths, records: readonly ImageRecord[], digests: readonly string[]): Promise<void> {
  const keep = await neededDigests(paths, records);
  for (const digest of digests) {
    if (keep.has(digest)) continue;
    await rm(paths.blob(digest), { force: true });
    debug('removed blob %s of a failed pull', digest);
  }
}

/**
 * Removes blobs no record references and no pull in flight needs, and temp files older than a
 * day. Runs under the store lock so no commit races it.
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
  await sweepTmp(paths);
  return removed;
}

async function sweepTmp(paths: StorePaths): Promise<void> {
  const cutoff = Date.now() - TMP_MAX_AGE_MS;
  for (const name of await readdir(paths.tmp).catch(() => [] as string[])) {
    const file = join(paths.tmp, name);
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) await rm(file, { recursive: true, force: true });
  }
}
