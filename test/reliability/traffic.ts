import type { RecordedRequest } from '../helpers/fault-proxy.js';
import type { StoreFiles } from './check-store.js';
import { fail } from './trial.js';

/** What a pull asked of the registry for one blob, as the fault proxy saw it. */
export interface BlobTraffic {
  gets: RecordedRequest[];
  /** Body bytes served, all requests together. */
  bytes: number;
}

export function blobTraffic(requests: readonly RecordedRequest[], digest: string): BlobTraffic {
  const gets = requests.filter((r) => r.method === 'GET' && r.path.split('?')[0]!.endsWith(`/blobs/${digest}`));
  return { gets, bytes: gets.reduce((sum, r) => sum + r.bytes, 0) };
}

/**
 * Bytes of a blob the store already has: all of it when stored, else what a partial download in
 * tmp/ (a temp file named after the blob's digest) holds, which the next pull resumes from.
 */
export function bytesHeld(files: StoreFiles, blob: { digest: string; size: number }): number {
  if (files.blobs.has(blob.digest)) return blob.size;
  const hex16 = blob.digest.slice(blob.digest.indexOf(':') + 1).slice(0, 16);
  let held = 0;
  for (const [name, size] of files.tmp) {
    if (!name.startsWith('claim-') && name.includes(hex16) && size <= blob.size) held = Math.max(held, size);
  }
  return held;
}

/**
 * The pull after `before` fetched only what was missing: for each blob, the bytes served are its
 * size less what the store held (nothing for a stored blob, the remainder for a partial one).
 */
export function expectFetchedOnlyMissing(requests: readonly RecordedRequest[], before: StoreFiles, blobs: readonly { digest: string; size: number }[]): string {
  const problems: string[] = [];
  const summary: string[] = [];
  for (const blob of blobs) {
    const held = bytesHeld(before, blob);
    const { gets, bytes } = blobTraffic(requests, blob.digest);
    const missing = blob.size - held;
    summary.push(`${blob.digest.slice(7, 15)}: ${bytes}/${missing}`);
    if (bytes !== missing) {
      const ranges = gets.map((g) => g.range ?? 'whole').join(', ');
      problems.push(
        `${blob.digest.slice(0, 19)}…: ${bytes} bytes served (${gets.length} GETs: ${ranges || 'none'}), but ${missing} were missing (${held} of ${blob.size} held)`,
      );
    }
  }
  if (problems.length > 0) fail(`the next pull did not fetch only what was missing: ${problems.join('; ')}`);
  return summary.join(' ');
}
