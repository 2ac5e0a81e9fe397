import type { FileHandle } from 'node:fs/promises';

/** Read in pieces this large: the files read this way (policies, keys, signatures) are mostly tiny. */
const PIECE_BYTES = 64 * 1024;

/**
 * Everything `handle` holds from its current position when that is at most `maxBytes`, else
 * undefined. One byte past the limit is read, so a file that is larger (or grew since a stat, or is
 * endless like /dev/zero) is refused without being read whole, never cut short.
 */
export async function readAtMost(handle: FileHandle, maxBytes: number): Promise<Buffer | undefined> {
  const pieces: Buffer[] = [];
  let length = 0;
  for (;;) {
    const piece = Buffer.allocUnsafe(Math.min(PIECE_BYTES, maxBytes + 1 - length));
    const { bytesRead } = await handle.read(piece, 0, piece.length, null);
    if (bytesRead === 0) return Buffer.concat(pieces, length);
    pieces.push(piece.subarray(0, bytesRead));
    length += bytesRead;
    if (length > maxBytes) return undefined;
  }
}
