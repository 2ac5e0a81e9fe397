import { HoistError } from '../errors.js';

/** errno codes of a file system that has no room left (EDQUOT: the user's quota). */
const FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/**
 * `err` as the user should read it when a write into the store at `root` found no room: Node's
 * own message names neither the store nor what to do. Other errors are returned as they are.
 */
export function storeFullError(err: unknown, root: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !FULL_CODES.has(code)) return err;
  return new HoistError('STORE_FULL', `no space left in the image store ${root}${code === 'EDQUOT' ? ' (disk quota exceeded)' : ''}`, {
    hint: 'free space on that file system (hoist rmi removes images and the blobs only they use), or pass --root to store images elsewhere',
    cause: err,
  });
}
