import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { isValidDigest, parseDigest } from '../reference/index.js';

export const CLAIM_PREFIX = 'claim-';
const INGEST_PREFIX = 'ingest-';

/** The digest a tmp/ file name holds the partial bytes of (StorePaths.ingest's names), if it is one. */
export function ingestDigestOf(name: string): string | undefined {
  if (!name.startsWith(INGEST_PREFIX)) return undefined;
  const rest = name.slice(INGEST_PREFIX.length);
  const dash = rest.indexOf('-');
  const digest = `${rest.slice(0, dash)}:${rest.slice(dash + 1)}`;
  return dash > 0 && isValidDigest(digest) ? digest : undefined;
}

/** Where the store lives: `--root`, else HOIST_ROOT, else /var/lib/hoist for root, else XDG data. */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HOIST_ROOT) return env.HOIST_ROOT;
  if (process.getuid?.() === 0) return '/var/lib/hoist';
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'hoist');
}

/** The file names of the OCI image layout plus hoist's own files beside it. */
export class StorePaths {
  constructor(readonly root: string) {}
  get ociLayout(): string {
    return join(this.root, 'oci-layout');
  }
  get index(): string {
    return join(this.root, 'index.json');
  }
  get tmp(): string {
    return join(this.root, 'tmp');
  }
  get lock(): string {
    return join(this.root, 'store.lock');
  }
  get events(): string {
    return join(this.root, 'events.jsonl');
  }
  /** The registries' last `/v2/` ping answers (registry/ping-cache.ts): no secrets, only origins and challenges. */
  get registryPings(): string {
    return join(this.root, 'registry-pings.json');
  }
  blob(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, 'blobs', algorithm, hex);
  }
  /** A fresh temp file name that carries our pid, so the files of a killed process can be told apart (tmp-files.ts). */
  tmpFile(prefix: string): string {
    return join(this.tmp, `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }
  /** The claim file of whoever is writing `digest` into the store (claims.ts). */
  claim(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.tmp, `${CLAIM_PREFIX}${algorithm}-${hex}`);
  }
  /**
   * The bytes of `digest` received so far. Named by the digest, not by a process, so that whoever
   * claims the blob next can resume what a killed download left (blob-writer.ts).
   */
  ingest(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.tmp, `${INGEST_PREFIX}${algorithm}-${hex}`);
  }
}

const ociLayoutContent = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/** Creates the layout skeleton if it is missing; an existing store is left as it is. */
export async function initLayout(paths: StorePaths): Promise<void> {
  await mkdir(join(paths.root, 'blobs', 'sha256'), { recursive: true });
  await mkdir(paths.tmp, { recursive: true });
  await writeFile(paths.ociLayout, ociLayoutContent, { flag: 'wx' }).catch(ignoreExists);
  await writeFile(paths.index, JSON.stringify({ schemaVersion: 2, manifests: [] }), { flag: 'wx' }).catch(ignoreExists);
}

function ignoreExists(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

export async function readJsonFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}
