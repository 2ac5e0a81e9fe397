import { access } from 'node:fs/promises';
import { StorePaths } from './layout.js';
import { readIndex, recordsFromIndex } from './records.js';

/**
 * The names and short IDs of the images in the store at `root`, for shell completion: read only,
 * so completing a command line never creates a store where there was none.
 */
export async function storedNames(root: string): Promise<string[]> {
  const paths = new StorePaths(root);
  const exists = await access(paths.index).then(
    () => true,
    () => false,
  );
  if (!exists) return [];
  const records = recordsFromIndex(await readIndex(paths));
  return [...new Set(records.flatMap((record) => [...record.names, record.id.slice(0, 12)]))];
}
