import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseUntrustedJson } from '../untrusted-json.js';
import type { Challenge } from './challenge.js';
import { debug } from './log.js';

/** What a registry's `/v2/` ping said: where it answers, how it wants requests authenticated. */
export interface PingAnswer {
  origin: string;
  challenges: Challenge[];
  supportsSignatureExtension: boolean;
}

/**
 * The last ping answer of each registry, kept between processes. It is never taken as the answer:
 * the ping is made as before. It lets the token request (for a registry that asked for one last
 * time) run beside the ping instead of after it: two round trips or more saved where both sit far
 * away, and the token thrown away if the ping now says otherwise.
 */
export interface PingCache {
  get(host: string, insecure: boolean): Promise<PingAnswer | undefined>;
  /** Never rejects: a cache that cannot be written is no failure of the pull. */
  set(host: string, insecure: boolean, answer: PingAnswer): Promise<void>;
}

/** A file of more than this is not ours to read (a registry's answer is a few hundred bytes). */
const MAX_FILE_BYTES = 64 * 1024;
/** Registries kept: the most recently answered. */
const MAX_ENTRIES = 64;

type Entries = Record<string, PingAnswer>;

/**
 * The ping cache as a JSON file (in the store, beside what was pulled from those registries: a
 * fresh store starts cold). It holds no secret: origins and challenges (realm, service) only.
 * Unreadable or malformed content counts as empty; a write goes to `tmpPath` first and is renamed.
 */
export function filePingCache(path: string, tmpPath: () => string): PingCache {
  let entries: Promise<Entries> | undefined;
  const read = () => (entries ??= readEntries(path));
  const key = (host: string, insecure: boolean) => `${insecure ? 'insecure' : 'secure'} ${host}`;
  return {
    async get(host, insecure) {
      return (await read())[key(host, insecure)];
    },
    async set(host, insecure, answer) {
      const k = key(host, insecure);
      if (JSON.stringify((await read())[k]) === JSON.stringify(answer)) return;
      // The file is read again before it is replaced: another process pulling into this store
      // may have recorded a registry of its own since this one first read it, and writing back
      // the older view would drop that entry.
      const current = await readEntries(path);
      const kept = Object.entries(current)
        .filter(([other]) => other !== k)
        .slice(-(MAX_ENTRIES - 1));
      const next: Entries = { ...Object.fromEntries(kept), [k]: answer };
      entries = Promise.resolve(next);
      await writeFileAtomic(path, `${JSON.stringify(next)}\n`, { tmpPath: tmpPath() }).catch((err: Error) =>
        debug('ping cache %s not written: %s', path, err.message),
      );
    },
  };
}

async function readEntries(path: string): Promise<Entries> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) return {};
    text = bytes.toString('utf8');
  } catch {
    return {};
  }
  try {
    const doc = parseUntrustedJson(text);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return {};
    return Object.fromEntries(Object.entries(doc).filter((entry): entry is [string, PingAnswer] => isPingAnswer(entry[1])));
  } catch {
    return {};
  }
}

function isPingAnswer(value: unknown): value is PingAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const { origin, challenges, supportsSignatureExtension } = value as Record<string, unknown>;
  return (
    typeof origin === 'string' &&
    typeof supportsSignatureExtension === 'boolean' &&
    Array.isArray(challenges) &&
    challenges.every(
      (c) =>
        typeof c === 'object' &&
        c !== null &&
        typeof c.scheme === 'string' &&
        typeof c.params === 'object' &&
        c.params !== null &&
        Object.values(c.params).every((v) => typeof v === 'string'),
    )
  );
}
