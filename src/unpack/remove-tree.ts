import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs';

/**
 * Removes `path` and everything under it, without following symlinks. Without root, a directory an
 * image made mode 000 (or 0500) cannot be emptied until it is made writable again; such
 * directories are opened up first, top down, and only those: nothing outside `path` is touched.
 */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    openUp(path);
    rmSync(path, { recursive: true, force: true });
  }
}

function openUp(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory()) return;
  chmodSync(path, 0o700);
  for (const name of readdirSync(path)) openUp(`${path}/${name}`);
}
