import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import createDebug from 'debug';
import type { StorePaths } from './layout.js';
import { processIsAlive } from './process-alive.js';

const debug = createDebug('hoist:store');

/** A claim untouched this long belongs to a process that hung or died on another host. */
const CLAIM_STALE_MS = 60_000;

/** Gives up a claim. */
export type ReleaseClaim = () => Promise<void>;

/**
 * Claims the right to write a blob's ingest file across processes: an exclusive-create claim file
 * holding our pid, refreshed while held. Returns undefined while a live process holds it. A claim
 * of a dead process (or one not refreshed for CLAIM_STALE_MS) is broken, so an interrupted
 * download never blocks others; the caller asks again.
 */
export async function claimBlob(paths: StorePaths, digest: string): Promise<ReleaseClaim | undefined> {
  const claim = paths.claim(digest);
  try {
    await writeFile(claim, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await breakAbandonedClaim(claim);
    return undefined;
  }
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(claim, now, now).catch(() => undefined);
  }, CLAIM_STALE_MS / 4);
  refresh.unref();
  return async () => {
    clearInterval(refresh);
    await rm(claim, { force: true });
  };
}

/** Removes `claim` if its holder is gone; true when it was removed. */
export async function breakAbandonedClaim(claim: string): Promise<boolean> {
  if (!(await claimIsAbandoned(claim))) return false;
  debug('breaking abandoned claim %s', claim);
  await rm(claim, { force: true });
  return true;
}

async function claimIsAbandoned(claim: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(claim, 'utf8'), stat(claim)]);
    const pid = Number(content);
    if (Date.now() - info.mtimeMs > CLAIM_STALE_MS) return true;
    // An empty claim is one being written right now, or one whose writer died before its first byte.
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1_000;
    return !processIsAlive(pid);
  } catch {
    return false; // vanished meanwhile: the next round will see the blob or claim anew
  }
}
