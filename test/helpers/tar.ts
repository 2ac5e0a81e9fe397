/** A minimal ustar writer for building test fixtures (layers, archives) in memory. */
export interface TarEntry {
  name: string;
  /** File content; omit for a directory. */
  data?: Buffer | string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  linkname?: string;
  mode?: number;
  /** Overrides the size written in the header (to build lying archives). */
  headerSize?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  let name = entry.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(octal(entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644), 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(entry.headerSize ?? size, 12), 124);
  h.write(octal(1_700_000_000, 12), 136);
  h.write('        ', 148);
  const typeflag = { file: '0', dir: '5', symlink: '2', hardlink: '1' }[entry.type ?? (entry.data === undefined ? 'dir' : 'file')];
  h.write(typeflag, 156);
  if (entry.linkname) h.write(entry.linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${octal(sum, 7)} `, 148);
  return h;
}

export function tarEntries(entries: readonly TarEntry[]): Buffer[] {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    parts.push(header(entry, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  return parts;
}

/** A complete tar (entries + the two zero blocks that end it). */
export function makeTar(entries: readonly TarEntry[]): Buffer {
  return Buffer.concat([...tarEntries(entries), Buffer.alloc(1024)]);
}
