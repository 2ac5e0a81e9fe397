import { gzipSync } from 'node:zlib';
import { pull } from '../../src/engine/index.js';
import type { Store } from '../../src/store/index.js';
import { zstdFrame } from './archives.js';
import { blobOf, OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_MANIFEST, sha256, writeOciLayout } from './images.js';

/**
 * A layer tar writer for unpack tests. Unlike tar.ts it writes every entry type a rootfs holds,
 * owners, times, device numbers, PAX records and GNU long names, and it writes names exactly as
 * given: the hostile names (`../x`, `/../x`, `.wh..`) are what the tests are about.
 */
export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'pax-global';

export interface LayerEntry {
  /** Written verbatim. Longer than 100 bytes: a PAX `path` record, or as `longNames` says. */
  name: string;
  /** Default: 'file'. */
  type?: LayerEntryType;
  data?: Buffer | string;
  /** Symlink target or hardlink target, verbatim. */
  linkname?: string;
  /** Permission bits with setuid/setgid/sticky. Default 0644, dirs 0755, symlinks 0777. */
  mode?: number;
  /** Default 0:0, as in a real image. Too large for octal: GNU base-256. */
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. Default 1_700_000_000. */
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** PAX records of this entry (`SCHILY.xattr.user.foo`, `mtime`, `uid`…), or of a pax-global entry. */
  pax?: Record<string, string | Buffer>;
  /** How a name or link target longer than 100 bytes is written: PAX records (default), GNU L/K entries, or the ustar prefix field. */
  longNames?: 'pax' | 'gnu' | 'ustar-prefix';
}

export const DEFAULT_MTIME = 1_700_000_000;

const TYPEFLAG: Record<LayerEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
  'pax-global': 'g',
};

/** A numeric header field: octal when it fits, else GNU base-256 (the high bit of the first byte set). */
function numeric(h: Buffer, value: number, offset: number, width: number): void {
  if (value < 8 ** (width - 1)) {
    h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
    return;
  }
  let rest = BigInt(value);
  for (let i = offset + width - 1; i > offset; i--) {
    h[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  h[offset] = 0x80;
}

interface RawHeader {
  name: Buffer;
  prefix?: Buffer;
  linkname?: Buffer;
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  devmajor: number;
  devminor: number;
  gnu: boolean;
}

function header(f: RawHeader): Buffer {
  const h = Buffer.alloc(512);
  f.name.copy(h, 0, 0, 100);
  numeric(h, f.mode, 100, 8);
  numeric(h, f.uid, 108, 8);
  numeric(h, f.gid, 116, 8);
  numeric(h, f.size, 124, 12);
  numeric(h, f.mtime, 136, 12);
  h.write('        ', 148, 'latin1');
  h.write(f.typeflag, 156, 'latin1');
  f.linkname?.copy(h, 157, 0, 100);
  // GNU entries carry GNU's magic ("ustar  \0"); the rest POSIX ustar ("ustar\0" "00").
  h.write(f.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  numeric(h, f.devmajor, 329, 8);
  numeric(h, f.devminor, 337, 8);
  f.prefix?.copy(h, 345, 0, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function padded(data: Buffer): Buffer[] {
  const pad = (512 - (data.length % 512)) % 512;
  return pad ? [data, Buffer.alloc(pad)] : [data];
}

/** PAX records: "LEN key=value\n", LEN counting the whole record, its own digits included. */
function paxRecords(records: Record<string, string | Buffer>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
      let length = body.length + 1;
      while (String(length).length + body.length !== length) length = String(length).length + body.length;
      return Buffer.concat([Buffer.from(String(length)), body]);
    }),
  );
}

/** An extension entry (PAX `x`/`g`, GNU `L`/`K`) carrying `data`. */
function extension(typeflag: string, name: string, data: Buffer, gnu: boolean): Buffer[] {
  const h = header({ name: Buffer.from(name), typeflag, size: data.length, mode: 0o644, uid: 0, gid: 0, mtime: 0, devmajor: 0, devminor: 0, gnu });
  return [h, ...padded(data)];
}

function entryBlocks(entry: LayerEntry): Buffer[] {
  const type = entry.type ?? 'file';
  const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
  if (type === 'pax-global') return extension('g', entry.name, paxRecords(entry.pax ?? {}), false);
  const longNames = entry.longNames ?? 'pax';
  const name = Buffer.from(entry.name);
  const linkname = entry.linkname === undefined ? undefined : Buffer.from(entry.linkname);
  const blocks: Buffer[] = [];
  const pax: Record<string, string | Buffer> = {};
  let headerName = name;
  let prefix: Buffer | undefined;
  if (name.length > 100) {
    if (longNames === 'gnu') blocks.push(...extension('L', '././@LongLink', Buffer.concat([name, Buffer.from([0])]), true));
    else if (longNames === 'pax') pax.path = name;
    else {
      const cut = name.lastIndexOf('/', 155);
      prefix = name.subarray(0, cut);
      headerName = name.subarray(cut + 1);
    }
  }
  if (linkname && linkname.length > 100) {
    if (longNames === 'gnu') blocks.push(...extension('K', '././@LongLink', Buffer.concat([linkname, Buffer.from([0])]), true));
    else pax.linkpath = linkname;
  }
  Object.assign(pax, entry.pax);
  if (Object.keys(pax).length > 0) blocks.push(...extension('x', 'PaxHeaders/entry', paxRecords(pax), false));
  const defaultMode = type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
  blocks.push(
    header({
      name: headerName,
      prefix,
      linkname,
      typeflag: TYPEFLAG[type],
      size: type === 'file' ? data.length : 0,
      mode: entry.mode ?? defaultMode,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime ?? DEFAULT_MTIME,
      devmajor: entry.devmajor ?? 0,
      devminor: entry.devminor ?? 0,
      gnu: longNames === 'gnu',
    }),
  );
  if (type === 'file') blocks.push(...padded(data));
  return blocks;
}

/** A whole layer tar: the entries, then the two zero blocks that end an archive. */
export function layerTar(entries: readonly LayerEntry[]): Buffer {
  return Buffer.concat([...entries.flatMap(entryBlocks), Buffer.alloc(1024)]);
}

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_MEDIA_TYPE: Record<Compression, string> = {
  gzip: OCI_LAYER_GZIP,
  zstd: OCI_LAYER_ZSTD,
  none: 'application/vnd.oci.image.layer.v1.tar',
};

export function compress(tar: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return gzipSync(tar);
  // An uncompressed-block zstd frame: valid zstd, and no encoder needed in the tests.
  if (compression === 'zstd') return zstdFrame(tar);
  return tar;
}

export interface StoredLayersOptions {
  /** One for every layer, or one per layer. Default gzip. */
  compression?: Compression | Compression[];
  /** Replaces the config's rootfs.diff_ids (to build a config that lies about its layers). */
  diffIds?: string[];
}

let layouts = 0;

/**
 * Puts an image made of `layers` (uncompressed tars) into `store` the way a user would: an OCI
 * layout under `dir`, then `pull('oci:…')`. The config's diff_ids are the sha256 of each tar.
 * Returns the image ID.
 */
export async function storeImageWithLayers(store: Store, dir: string, layers: readonly Buffer[], options: StoredLayersOptions = {}): Promise<string> {
  const compressions = layers.map((_, i) => {
    const c = options.compression ?? 'gzip';
    return typeof c === 'string' ? c : (c[i] ?? 'gzip');
  });
  const blobs = layers.map((tar, i) => blobOf(compress(tar, compressions[i]!), LAYER_MEDIA_TYPE[compressions[i]!]));
  const config = blobOf(
    JSON.stringify({
      created: '2024-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: options.diffIds ?? layers.map((tar) => sha256(tar)) },
      history: layers.map(() => ({ created: '2024-01-02T03:04:05Z', created_by: 'hoist unpack test' })),
    }),
    OCI_CONFIG,
  );
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: blobs.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })),
    }),
    OCI_MANIFEST,
  );
  const layout = `${dir}/layout-${process.pid}-${layouts++}`;
  await writeOciLayout(layout, [{ top: manifest, refName: 'test' }], [config, manifest, ...blobs]);
  await pull(`oci:${layout}:test`, { store });
  return config.digest.slice('sha256:'.length);
}
