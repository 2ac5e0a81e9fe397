/** Writes tar members: a ustar header, with a PAX header before it for whatever ustar cannot hold. */

const BLOCK = 512;

export interface TarMember {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const typeFlags: Record<TarMember['type'], string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One PAX record, `"%d %s=%s\n"`, its length counting itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function header(fields: {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode, 8), 100, 'latin1');
  block.write(octal(fields.uid, 8), 108, 'latin1');
  block.write(octal(fields.gid, 8), 116, 'latin1');
  block.write(octal(fields.size, 12), 124, 'latin1');
  block.write(octal(fields.mtime, 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(fields.type, 156, 'latin1');
  block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  block.write(octal(fields.devmajor, 8), 329, 'latin1');
  block.write(octal(fields.devminor, 8), 337, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

/** The header blocks of one member (a PAX `x` header first when a field needs it); its body follows, padded by `padding`. */
export function memberHeader(member: TarMember): Buffer {
  const records: Buffer[] = [];
  const linkname = member.linkname ?? '';
  if (Buffer.byteLength(member.name) > 100 || !isAscii(member.name)) records.push(paxRecord('path', Buffer.from(member.name)));
  if (Buffer.byteLength(linkname) > 100 || !isAscii(linkname)) records.push(paxRecord('linkpath', Buffer.from(linkname)));
  if (member.uid > MAX_OCTAL_7) records.push(paxRecord('uid', Buffer.from(String(member.uid))));
  if (member.gid > MAX_OCTAL_7) records.push(paxRecord('gid', Buffer.from(String(member.gid))));
  if (member.size > MAX_OCTAL_11) records.push(paxRecord('size', Buffer.from(String(member.size))));
  for (const [name, value] of member.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${name}`, value));
  const main = header({
    name: member.name,
    type: typeFlags[member.type],
    mode: member.mode & 0o7777,
    uid: Math.min(member.uid, MAX_OCTAL_7),
    gid: Math.min(member.gid, MAX_OCTAL_7),
    mtime: Math.max(0, Math.min(Math.trunc(member.mtime), MAX_OCTAL_11)),
    size: Math.min(member.size, MAX_OCTAL_11),
    linkname,
    devmajor: member.devmajor ?? 0,
    devminor: member.devminor ?? 0,
  });
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const pax = header({ name: 'PaxHeader', type: 'x', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: body.length, linkname: '', devmajor: 0, devminor: 0 });
  return Buffer.concat([pax, body, padding(body.length), main]);
}

/** The zeros that fill a body of `size` bytes up to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
