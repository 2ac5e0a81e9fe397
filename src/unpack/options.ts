import type { Warning } from '../errors.js';
import type { PlatformFlags } from '../manifest/index.js';
import type { UnpackEventListener } from '../progress/events.js';
import type { ImageStore, LocalSearch } from '../store/index.js';

/** What `unpack()` and `exportImage()` share: which image, in which store, and how to report. */
export interface ImageReadOptions {
  /** A store from openImageStore(), or the root to open (default: HOIST_ROOT / the per-user default). */
  store?: ImageStore;
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** How short names are looked up (`loadLocalSearch()`); without it `localhost/` and docker.io only. */
  search?: LocalSearch;
  /** The platform the stored image must be for (hoist's store keeps one instance per name). */
  platform?: PlatformFlags;
  signal?: AbortSignal;
  /** Receives a layer's start, progress and end, and warnings. */
  onEvent?: UnpackEventListener;
}

export interface UnpackOptions extends ImageReadOptions {
  /** Make DIR an OCI runtime bundle: DIR/rootfs plus DIR/config.json built from the image config. */
  bundle?: boolean;
}

export interface UnpackResult {
  /** Image ID: 64 hex. */
  id: string;
  /** The root filesystem: DIR, or DIR/rootfs for a bundle. */
  rootfs: string;
  /** DIR/config.json for a bundle. */
  runtimeConfig?: string;
  layers: number;
  /** Every warning the unpack emitted, also sent as `warning` events. */
  warnings: Warning[];
}

export interface ExportResult {
  id: string;
  /** Bytes of tar written. */
  bytes: number;
  warnings: Warning[];
}
