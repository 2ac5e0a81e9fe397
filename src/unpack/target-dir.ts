import { mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HoistError, quoted } from '../errors.js';
import { removeTree } from './remove-tree.js';

/** Where an unpack writes, and how to take back what it wrote. */
export interface UnpackTarget {
  dir: string;
  rootfs: string;
  /** Removes what this unpack created: DIR itself (and the parents it made) when it made it, else DIR's contents. */
  discard(): void;
}

function targetError(dir: string, detail: string, cause?: unknown): HoistError {
  return new HoistError('UNPACK_TARGET', `cannot unpack into ${quoted(dir)}: ${detail}`, {
    hint: 'name a directory that does not exist yet, or an empty one',
    details: { file: dir },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** DIR must be absent (it is created) or an empty directory; for a bundle, the root filesystem is DIR/rootfs. */
export function prepareTarget(dir: string, bundle: boolean): UnpackTarget {
  const path = resolve(dir);
  let made: string | undefined;
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) made = mkdirSync(path, { recursive: true, mode: 0o755 }) ?? path;
    else if (!stat.isDirectory()) throw targetError(dir, 'it is not a directory');
    else if (readdirSync(path).length > 0) throw targetError(dir, 'it is not empty');
  } catch (err) {
    if (err instanceof HoistError) throw err;
    throw targetError(dir, (err as Error).message, err);
  }
  // The real path: what every entry is resolved against must not itself move.
  const real = realpathSync(path);
  const rootfs = bundle ? `${real}/rootfs` : real;
  if (bundle) mkdirSync(rootfs, { mode: 0o755 });
  return {
    dir: real,
    rootfs,
    discard() {
      if (made !== undefined) removeTree(made);
      else for (const name of readdirSync(real)) removeTree(`${real}/${name}`);
    },
  };
}
