import { HoistError } from '../errors.js';
import type { ImageStore } from './image-store.js';
import { defaultStoreRoot } from './layout.js';
import { Store } from './store.js';

export interface OpenImageStoreOptions {
  /** Default: HOIST_ROOT, else the per-user default. */
  root?: string;
  env?: NodeJS.ProcessEnv;
}

/** Opens (creating if needed) the store at `root`, for reading and managing it. */
export async function openImageStore(options: OpenImageStoreOptions = {}): Promise<ImageStore> {
  return Store.open(options.root ?? defaultStoreRoot(options.env ?? process.env));
}

/**
 * The store behind an ImageStore that a caller hands back (`pull({ store })`). Only stores hoist
 * opened can be written by a pull: a pull needs the store's lock and blob writer, which an
 * interface cannot stand in for.
 */
export function writableStore(store: ImageStore): Store {
  if (store instanceof Store) return store;
  throw new HoistError('INVALID_ARGUMENT', 'the store given to pull() was not opened by openImageStore()');
}
