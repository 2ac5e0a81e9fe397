/** One 512-byte tar header block, decoded (ustar, GNU and v7 layouts; PAX/GNU extensions are records of their own). */

export const BLOCK_SIZE = 512;

export type HeaderType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  /** PAX extended header for the next entry (`x`). */
  | 'pax'
  /** PAX global header (`g`): records for every entry that follows. */
  | 'pax-global'
  /** GNU long name (`L`) / long link name (`K`) for the next entry. */
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'other';

export interface TarHeader {
  /** The name as stored (ustar prefix joined), before normalization. */
  name: string;
  linkname: string;
  size: number;
  type: HeaderType;
  /**
   * The type flag is NUL, as in pre-POSIX (v7) tars: a regular file, or a directory when the entry's
   * full name ends in `/`. Only the full name can tell: a GNU long name or a PAX path replaces the
   * 100-byte name field, whose truncated copy may end in `/` by chance.
   */
  untyped: boolean;
  /** Links, directories and devices have no body whatever their size field says (as Go's archive/tar reads them). */
  headerOnly: boolean;
  /** The type flag as stored (`3`, `4`, `6` are character and block devices and FIFOs). */
  flag: string;
  /** Permission bits with setuid, setgid and sticky; 0 when the field is malformed. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  devmajor: number;
  devminor: number;
}

const typeFlags: Record<string, HeaderType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file to every reader but one long gone
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'directory',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};

const headerOnlyFlags = new Set(['1', '2', '3', '4', '5', '6']);

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/**
 * A numeric field: octal text (padded with spaces or NULs), or GNU base-256 when the high bit of
 * the first byte is set (sizes of 8 GiB and more). Undefined when malformed or not a safe integer.
 */
export function parseNumeric(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) return undefined; // negative: never a valid size
    let value = BigInt(field[0]! & 0x7f);
    for (const byte of field.subarray(1)) value = (value << 8n) | BigInt(byte);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  const text = field.toString('latin1').replace(/^[\0 ]+|[\0 ]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** True when the stored checksum matches, computed either way historic tars did (unsigned or signed bytes). */
function checksumMatches(block: Buffer): boolean {
  const stored = parseNumeric(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Decodes a header block; a string is the reason it is not a valid header. */
export function parseHeader(block: Buffer): TarHeader | string {
  if (!checksumMatches(block)) return 'bad header checksum';
  const size = parseNumeric(block.subarray(124, 136));
  if (size === undefined) return 'invalid size field';
  let name = cString(block.subarray(0, 100));
  // POSIX ustar splits long names into prefix + name; GNU tar ("ustar  ") uses that space for other fields.
  const posixUstar = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = posixUstar ? cString(block.subarray(345, 500)) : '';
  if (prefix !== '') name = `${prefix}/${name}`;
  const flag = String.fromCharCode(block[156]!);
  const type = typeFlags[flag] ?? 'other';
  const numeric = (start: number, end: number) => parseNumeric(block.subarray(start, end)) ?? 0;
  return {
    name,
    linkname: cString(block.subarray(157, 257)),
    size,
    type,
    untyped: flag === '\0',
    headerOnly: headerOnlyFlags.has(flag),
    flag,
    mode: numeric(100, 108) & 0o7777,
    uid: numeric(108, 116),
    gid: numeric(116, 124),
    mtime: numeric(136, 148),
    devmajor: posixUstar || block.toString('latin1', 257, 263) === 'ustar ' ? numeric(329, 337) : 0,
    devminor: posixUstar || block.toString('latin1', 257, 263) === 'ustar ' ? numeric(337, 345) : 0,
  };
}
