import type { ImageInfo } from './describe.js';
import type { ImageRecord } from './records.js';

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

/**
 * The store as a library user sees it: what `hoist images`, `inspect`, `tag`, `rmi` and `events`
 * do, and nothing of how blobs get in (writing, in-flight marks, garbage collection stay inside,
 * where pulls use them under the store's lock).
 */
export interface ImageStore {
  readonly root: string;
  /** Every stored image, one record per image. */
  images(): Promise<ImageRecord[]>;
  /** The image a name, ID or ID prefix means; undefined when none. `searchRegistries` are tried for short names. */
  lookup(name: string, searchRegistries?: readonly string[]): Promise<ImageRecord | undefined>;
  /** What `hoist inspect` shows of an image, in Podman's field names. */
  inspect(name: string): Promise<ImageInfo>;
  /** Adds names to an image (`hoist tag`). */
  tag(name: string, targets: readonly string[]): Promise<ImageRecord>;
  /** `hoist rmi`: removes names or images, and the blobs nothing uses any more. */
  remove(names: readonly string[], options?: { force?: boolean }): Promise<RemoveResult>;
  /** The pull events log (`hoist events`), oldest first. */
  readEvents(): Promise<Record<string, unknown>[]>;
}
