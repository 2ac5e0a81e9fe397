import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * Where the new content is written first: on the same file system as `path` (a rename cannot
   * cross one), and named so that whoever cleans up after killed processes recognizes it.
   */
  tmpPath: string;
  /** The file's mode, whatever the umask (the alias cache is 0600); without it, 0644 less the umask. */
  mode?: number;
}

/**
 * Writes a file so readers see the old or the new content, never a mix, and so that after a crash
 * it is one or the other too: temp file, fsync, rename, fsync of the directory (without which the
 * rename itself may be lost). A failed write leaves no temp file behind.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, { tmpPath, mode }: AtomicWriteOptions): Promise<void> {
  await mkdir(dirname(tmpPath), { recursive: true });
  try {
    const handle = await open(tmpPath, 'wx', mode ?? 0o644);
    try {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, path);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename (or creation) in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
