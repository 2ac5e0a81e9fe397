/**
 * What a copy reports as it goes. The copier emits these; renderers (TTY bars, plain lines, JSON
 * lines) and library callers consume them. Only plain data, so any consumer can serialize them.
 */
import type { WarningCode } from '../errors.js';

export type BlobKind = 'config' | 'layer';

export type CopyEvent =
  | { type: 'trying'; reference: string }
  | { type: 'resolved'; message: string }
  | { type: 'copy-start'; source: string }
  | { type: 'blob-start'; kind: BlobKind; digest: string; size: number }
  | { type: 'blob-progress'; kind: BlobKind; digest: string; bytes: number; size: number }
  | { type: 'blob-done'; kind: BlobKind; digest: string; size: number; skipped: boolean }
  | { type: 'blob-wait'; kind: BlobKind; digest: string }
  | { type: 'signatures-check' }
  | { type: 'manifest-write' }
  | { type: 'signatures-store' }
  | { type: 'copy-done'; id: string }
  /**
   * The end of one pulled image: whether it was copied (false: present, or up to date), the bytes
   * fetched and the bytes found already stored, and the time the whole pull() took.
   */
  | { type: 'pull-done'; id: string; names: string[]; copied: boolean; fetchedBytes: number; skippedBytes: number; seconds: number }
  | { type: 'warning'; code: WarningCode; message: string };

export type EventListener = (event: CopyEvent) => void;

/** What unpacking an image reports: per layer, in order, and warnings (ownership, devices, xattrs). */
export type UnpackEvent =
  | { type: 'unpack-start'; id: string; layers: number }
  | { type: 'layer-start'; index: number; digest: string; size: number }
  /** Compressed bytes of the layer read so far, at most 4 times a second and at its end. */
  | { type: 'layer-progress'; index: number; digest: string; bytes: number; size: number }
  | { type: 'layer-done'; index: number; digest: string; entries: number }
  | { type: 'unpack-done'; id: string; seconds: number }
  | { type: 'warning'; code: WarningCode; message: string };

export type UnpackEventListener = (event: UnpackEvent) => void;
