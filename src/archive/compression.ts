/** Compression formats recognized by their magic bytes, as containers/image's AutoDecompress does. */
export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none';

const magics: readonly [Compression, readonly number[]][] = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** How many leading bytes `detectCompression` needs. */
export const MAGIC_BYTES = 6;

export function detectCompression(head: Buffer): Compression {
  for (const [compression, magic] of magics) {
    if (magic.every((byte, i) => head[i] === byte)) return compression;
  }
  return 'none';
}
