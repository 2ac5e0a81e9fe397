import type { FileHandle } from 'node:fs/promises';

/**
 * The bytes of an uncompressed tar, as its entry table is read from them: a file of known size, or
 * a copy still being decompressed (GunzipCopy), whose reads wait for the bytes to arrive.
 */
export interface TarBytes {
  /** Reads as FileHandle.read does at `position`: fewer bytes than asked only where the bytes end. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** How many of the first `end` bytes there are: `end`, or fewer where the bytes end before it. */
  reach(end: number): Promise<number>;
  /** A bound on the bytes themselves (a decompressed copy's), checked before an entry's bytes are waited for. */
  readonly limit?: TarBytesLimit;
}

export interface TarBytesLimit {
  bytes: number;
  /** Why no more, as a clause for messages: "but the decompressed copy may take at most …". */
  words: string;
  hint: string;
}

/** The bytes of a file of `size` bytes, all there already. */
export function fileBytes(handle: FileHandle, size: number): TarBytes {
  return {
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    reach: async (end) => Math.min(end, size),
  };
}
