import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import createDebug from 'debug';
import { breakAbandonedClaim, claimBlob } from './claims.js';
import { CLAIM_PREFIX, ingestDigestOf, type StorePaths } from './layout.js';
import { processIsAlive } from './process-alive.js';

const debug = createDebug('hoist:store');

/**
 * A file in tmp/ that no live process owns and nobody has touched for this long is removed
 * whatever it is: a partial blob kept this long for resuming is not worth its space any more.
 */
const TMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * `<word>[-<16 hex>]-<pid>-<12 hex>[.ext]`, as StorePaths.tmpFile names every per-process temp
 * file (`blob-<16 hex>-…` is the name partial blobs had before ingest files). Strict, so that no
 * other name (a UUID has runs of digits between dashes too) is taken for a dead process's file.
 */
const OWNED_NAME = /^[a-z]+(?:-[0-9a-f]{16})?-(\d+)-[0-9a-f]{12}(?:\.[a-z]+)*$/;

/** The pid in a per-process temp file's name, if it has one. */
export function ownerOf(name: string): number | undefined {
  const match = OWNED_NAME.exec(name);
  return match === null ? undefined : Number(match[1]);
}

export interface ReclaimOptions {
  /**
   * Which partial blobs go: `stale` keeps them for the next pull to resume (up to a day);
   * `unclaimed` removes every one no process is writing (rmi: it is asked to free space).
   */
  partialBlobs: 'stale' | 'unclaimed';
}

/**
 * Removes what killed processes left in tmp/: their temp files (the pid in the name is not
 * running), their claims, and partial blobs as `options` says. Files of live processes stay.
 * PIDs are those of this PID namespace: processes sharing one store must share one namespace,
 * as they must for claims (DESIGN.md's store section).
 */
export async function reclaimTmp(paths: StorePaths, options: ReclaimOptions): Promise<void> {
  const names = await readdir(paths.tmp).catch(() => [] as string[]);
  // Claims first: a partial blob whose writer died can only be removed once its claim is broken.
  for (const name of names.filter((n) => n.startsWith(CLAIM_PREFIX))) await breakAbandonedClaim(join(paths.tmp, name));
  for (const name of names.filter((n) => !n.startsWith(CLAIM_PREFIX))) {
    const file = join(paths.tmp, name);
    const digest = ingestDigestOf(name);
    if (digest !== undefined) {
      if (options.partialBlobs === 'unclaimed' || (await untouchedFor(file, TMP_MAX_AGE_MS))) await removePartialBlob(paths, digest);
      continue;
    }
    const owner = ownerOf(name);
    if (owner !== undefined ? !processIsAlive(owner) : await untouchedFor(file, TMP_MAX_AGE_MS)) {
      debug('removing %s, left by a process that is gone', name);
      await rm(file, { recursive: true, force: true });
    }
  }
}

/** Removes a partial blob unless someone is writing it: holding its claim is what makes removal safe. */
async function removePartialBlob(paths: StorePaths, digest: string): Promise<void> {
  const release = await claimBlob(paths, digest);
  if (release === undefined) return;
  try {
    debug('removing the partial blob of %s', digest);
    await rm(paths.ingest(digest), { force: true });
  } finally {
    await release();
  }
}

async function untouchedFor(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}
