import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HoistError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { FileLockError, withFileLock } from '../../io/file-lock.js';
import { authFileOf, readAuthDocument, type AuthFile } from './auth-file.js';

/** What an edit did: whether the file must be written, and what the caller gets back. */
export interface AuthFileEdit<T> {
  changed: boolean;
  result: T;
}

/**
 * Changes one auth file under a lock, so that two logins at once do not lose one another's entry:
 * reads it (a missing file is an empty one), hands `edit` its JSON object (every field kept, the
 * unknown ones too) and the validated view of it, and writes it back atomically with mode 0600
 * (its directory 0700, as containers/image makes them) only when `edit` changed it.
 */
export async function editAuthFile<T>(path: string, edit: (doc: Record<string, unknown>, file: AuthFile) => Promise<AuthFileEdit<T>>): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    return await withFileLock(path, { lockPath: `${path}.hoist-lock`, retries: { retries: 50, minTimeout: 10, maxTimeout: 200 } }, async () => {
      const doc = (await readAuthDocument(path)) ?? {};
      const { changed, result } = await edit(doc, authFileOf(path, doc));
      if (changed) {
        await writeFileAtomic(path, `${JSON.stringify(doc, null, '\t')}\n`, {
          tmpPath: `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
          mode: 0o600,
        });
      }
      return result;
    });
  } catch (err) {
    if (err instanceof HoistError) throw err;
    const why = err instanceof FileLockError ? `cannot lock it: ${err.message}` : (err as Error).message;
    throw new HoistError('INVALID_CONFIG', `cannot write auth file ${path}: ${why}`, {
      cause: err,
      hint: 'check --authfile, REGISTRY_AUTH_FILE and XDG_RUNTIME_DIR',
    });
  }
}

/** The file's `auths` object, made when it has none (authFileOf has checked that any there is an object). */
export function authsOf(doc: Record<string, unknown>): Record<string, unknown> {
  if (typeof doc.auths !== 'object' || doc.auths === null) doc.auths = {};
  return doc.auths as Record<string, unknown>;
}
