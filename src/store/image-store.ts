import type { ImageInfo } from './describe.js';
import type { LocalSearch } from './lookup.js';
import type { ImageRecord } from './records.js';

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
  /**
   * What could not be removed, one error per name in the order given (IMAGE_NOT_KNOWN,
   * IMAGE_IN_USE, INVALID_REFERENCE, AMBIGUOUS_IMAGE); every other name was still processed.
   */
  errors: Error[];
}

export interface RemoveOptions {
  /** Remove an image by ID even if it has several names, and ignore names that match no image. */
  force?: boolean;
  /** Remove every image (`rmi --all`), before the names given. */
  all?: boolean;
  /** How short names are looked up (registries.conf aliases and search registries; `loadLocalSearch`). */
  search?: LocalSearch;
}

/**
 * The store as a library user sees it: what `hoist images`, `inspect`, `tag`, `rmi` and `events`
 * do, and nothing of how blobs get in (writing, in-flight marks, garbage collection stay inside,
 * where pulls use them under the store's lock).
 *
 * Every method that takes an image name looks it up as Podman's LookupImage does: an ID or unique
 * ID prefix; a full name; a short name as its registries.conf alias, `localhost/NAME`, NAME under
 * each unqualified-search registry, then docker.io; a stored name ending in `/NAME:TAG`. Pass the
 * configuration as `search` (`loadLocalSearch()` reads the files a pull reads); without it a short
 * name is tried as `localhost/` and docker.io only.
 */
export interface ImageStore {
  readonly root: string;
  /** Every stored image, one record per stored manifest (`names` empty for a dangling one). */
  images(): Promise<ImageRecord[]>;
  /** The image a name, ID or ID prefix means; undefined when none. */
  lookup(name: string, search?: LocalSearch): Promise<ImageRecord | undefined>;
  /** What `hoist inspect` shows of an image, in Podman's field names (IMAGE_NOT_KNOWN when none). */
  inspect(name: string, search?: LocalSearch): Promise<ImageInfo>;
  /** Adds names to an image (`hoist tag`). */
  tag(name: string, targets: readonly string[], search?: LocalSearch): Promise<ImageRecord>;
  /**
   * `hoist rmi`: removes names or images, and the blobs nothing uses any more. Each name is
   * processed on its own, as Podman does: one that cannot be removed is reported in `errors`, the
   * others are removed all the same. It throws only when the store itself fails.
   */
  remove(names: readonly string[], options?: RemoveOptions): Promise<RemoveResult>;
  /**
   * `hoist image prune`: removes dangling images (no name), or with `all` every image (hoist has
   * no containers, so no image is in use), and their blobs. Returns the removed IDs.
   */
  prune(options?: { all?: boolean }): Promise<string[]>;
  /** The pull events log (`hoist events`), oldest first. */
  readEvents(): Promise<Record<string, unknown>[]>;
}
