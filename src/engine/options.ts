import type { PlatformFlags } from '../manifest/index.js';
import type { EventListener } from '../progress/events.js';
import type { Store } from '../store/index.js';

export type PullPolicy = 'always' | 'missing' | 'newer' | 'never';

export interface PullOptions {
  /** An open store, or the root to open (default: HOIST_ROOT / the per-user default). */
  store?: Store;
  root?: string;
  /** Registry pulls only. Default 'always'. */
  policy?: PullPolicy;
  /** --platform / --os / --arch / --variant; default: the host. */
  platform?: PlatformFlags;
  /** Blobs copied at once (default 6). */
  maxParallel?: number;
  signal?: AbortSignal;
  /** Receives every progress event (the CLI renders them; library users may log or ignore them). */
  onEvent?: EventListener;
}

export interface PulledImage {
  /** Image ID: 64 hex, the config digest. */
  id: string;
  /** The names the image carries after the pull (empty when unnamed). */
  names: string[];
  manifestDigest: string;
}
