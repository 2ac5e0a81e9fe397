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
 * The store behind an ImageStore that a caller hands back (`pull({ store })`, `unpack({ store })`),
 * else the one `root` names. Only stores hoist opened will do: a pull needs the store's lock and
 * blob writer, an unpack its blob files, which an interface cannot stand in for.
 */
export async function storeOf(options: { store?: ImageStore; root?: string; env?: NodeJS.ProcessEnv }, caller: string): Promise<Store> {
  if (options.store === undefined) return Store.open(options.root ?? defaultStoreRoot(options.env ?? process.env));
  if (options.store instanceof Store) return options.store;
  throw new HoistError('INVALID_ARGUMENT', `the store given to ${caller} was not opened by openImageStore()`);
}
