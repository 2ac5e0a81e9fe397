/**
 * Streaming ustar: a header per entry, the data (written by the caller), padding to 512 bytes,
 * and two zero blocks at the end, so tars of any size are written without buffering them.
 */
export interface TarHeader {
  name: string;
  size: number;
  type: 'file' | 'dir';
  mode?: number;
}

export const TAR_BLOCK = 512;
/** The end-of-archive marker. */
export const TAR_END = Buffer.alloc(2 * TAR_BLOCK);
/** Fixed mtime: the same input gives the same bytes, hence the same digests. */
const MTIME = 1_700_000_000;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

export function tarHeader(entry: TarHeader): Buffer {
  const h = Buffer.alloc(TAR_BLOCK);
  let name = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  let prefix = '';
  if (name.length > 100) {
    const cut = name.lastIndexOf('/', Math.min(155, name.length - 2));
    if (cut < 0 || name.length - cut - 1 > 100) throw new Error(`tar name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644), 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(entry.type === 'dir' ? 0 : entry.size, 12), 124);
  h.write(octal(MTIME, 12), 136);
  h.write('        ', 148);
  h.write(entry.type === 'dir' ? '5' : '0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${octal(sum, 7)} `, 148);
  return h;
}

/** Zero bytes that round `size` up to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}
