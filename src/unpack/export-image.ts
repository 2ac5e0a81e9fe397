import { closeSync, createWriteStream, lstatSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { abortError } from '../errors.js';
import { storeOf } from '../store/index.js';
import { OVERRIDE_STAT, xattrReader } from './attributes.js';
import type { ExportResult, ImageReadOptions } from './options.js';
import { removeTree } from './remove-tree.js';
import { END_OF_ARCHIVE, memberHeader, padding, type TarMember } from './tar-writer.js';
import { unpack, writeFailure } from './unpack-image.js';

const READ_BYTES = 1024 * 1024;

/** A sink that waits when the stream asks it to (a pipe to a slow reader), and fails with the stream. */
function streamSink(stream: NodeJS.WritableStream): { write(bytes: Buffer): Promise<void>; end(): Promise<void> } {
  let failure: Error | undefined;
  stream.on('error', (err: Error) => {
    failure = err;
  });
  return {
    async write(bytes) {
      if (failure !== undefined) throw failure;
      if (!stream.write(bytes)) {
        await new Promise<void>((resolve, reject) => {
          const onError = (err: Error) => reject(err);
          stream.once('error', onError);
          stream.once('drain', () => {
            stream.off('error', onError);
            resolve();
          });
        });
      }
    },
    end() {
      return new Promise<void>((resolve, reject) => {
        if (failure !== undefined) reject(failure);
        stream.once('error', reject);
        stream.end(() => resolve());
      });
    },
  };
}

/** Linux's dev_t split into major and minor (glibc's gnu_dev_major/minor). */
function deviceNumbers(rdev: number): { devmajor: number; devminor: number } {
  const dev = BigInt(rdev);
  return { devmajor: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)), devminor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)) };
}

/** What the image says a path is: its own stat as root, else the owner, mode and type a rootless unpack recorded. */
function memberOf(path: string, name: string, stat: Stats, xattrs: Map<string, Buffer>): TarMember {
  const type: TarMember['type'] = stat.isDirectory()
    ? 'directory'
    : stat.isSymbolicLink()
      ? 'symlink'
      : stat.isFIFO()
        ? 'fifo'
        : stat.isCharacterDevice()
          ? 'char'
          : stat.isBlockDevice()
            ? 'block'
            : 'file';
  const member: TarMember = {
    name: type === 'directory' ? `${name}/` : name,
    type,
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
    mtime: stat.mtimeMs / 1000,
    size: type === 'file' ? stat.size : 0,
    ...(type === 'symlink' ? { linkname: readlinkSync(path) } : {}),
    ...(type === 'char' || type === 'block' ? deviceNumbers(stat.rdev) : {}),
  };
  const recorded = xattrs.get(OVERRIDE_STAT)?.toString('utf8');
  xattrs.delete(OVERRIDE_STAT);
  if (xattrs.size > 0) member.xattrs = xattrs;
  const match = recorded === undefined ? null : /^(\d+):(\d+):([0-7]{1,5}):(file|dir|symlink|pipe|socket|char-(\d+)-(\d+)|block-(\d+)-(\d+))$/.exec(recorded);
  if (match === null) return member;
  const [, uid, gid, mode, kind, cmajor, cminor, bmajor, bminor] = match;
  Object.assign(member, { uid: Number(uid), gid: Number(gid), mode: Number.parseInt(mode!, 8) });
  if (kind!.startsWith('char-') || kind!.startsWith('block-')) {
    Object.assign(member, {
      type: kind!.startsWith('char-') ? 'char' : 'block',
      size: 0,
      devmajor: Number(cmajor ?? bmajor),
      devminor: Number(cminor ?? bminor),
    });
  }
  return member;
}

/** Writes the tree under `root` as tar members, sorted, each directory before what it holds; hardlinks as links to the first name. */
async function writeTree(root: string, sink: ReturnType<typeof streamSink>, signal: AbortSignal | undefined): Promise<number> {
  let bytes = 0;
  const emit = async (chunk: Buffer) => {
    bytes += chunk.length;
    await sink.write(chunk);
  };
  const firstName = new Map<string, string>();
  const buffer = Buffer.alloc(READ_BYTES);
  const listXattrs = await xattrReader();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of readdirSync(rel === '' ? root : `${root}/${rel}`).sort()) {
      if (signal?.aborted) throw abortError(signal);
      const name = rel === '' ? entry : `${rel}/${entry}`;
      const path = `${root}/${name}`;
      const stat = lstatSync(path);
      const member = memberOf(path, name, stat, listXattrs(path));
      const inode = `${stat.dev}:${stat.ino}`;
      if (member.type !== 'directory' && stat.nlink > 1) {
        const first = firstName.get(inode);
        if (first !== undefined) {
          await emit(memberHeader({ ...member, type: 'hardlink', size: 0, linkname: first }));
          continue;
        }
        firstName.set(inode, name);
      }
      await emit(memberHeader(member));
      if (member.type === 'file' && member.size > 0) {
        const fd = openSync(path, 'r');
        try {
          let left = member.size;
          while (left > 0) {
            const read = readSync(fd, buffer, 0, Math.min(READ_BYTES, left), null);
            if (read === 0) throw new Error(`${name} shrank while being exported`);
            await emit(Buffer.from(buffer.subarray(0, read)));
            left -= read;
          }
        } finally {
          closeSync(fd);
        }
        await emit(padding(member.size));
      }
      if (member.type === 'directory') await walk(name);
    }
  };
  await walk('');
  await emit(END_OF_ARCHIVE);
  return bytes;
}

/**
 * Writes the flattened root filesystem of a stored image as one tar, to a file (written under a
 * temporary name and renamed, so a failure leaves no partial tar) or to a stream. The image is
 * unpacked first into the store's tmp/ (so whiteouts, hardlinks and symlinked parents mean what
 * they mean in a container), then written in sorted order; without root, the owners, modes and
 * devices the unpack recorded in `user.containers.override_stat` are what the tar says.
 */
export async function exportImage(image: string, output: string | NodeJS.WritableStream, options: ImageReadOptions = {}): Promise<ExportResult> {
  const store = await storeOf(options, 'exportImage()');
  const scratch = store.paths.tmpFile('export');
  const partial = typeof output === 'string' ? `${output}.hoist-${process.pid}.partial` : undefined;
  try {
    const unpacked = await unpack(image, scratch, { ...options, store });
    const stream = partial === undefined ? (output as NodeJS.WritableStream) : createWriteStream(partial, { flags: 'wx', mode: 0o644 });
    const sink = streamSink(stream);
    let bytes: number;
    try {
      bytes = await writeTree(unpacked.rootfs, sink, options.signal);
    } finally {
      if (partial !== undefined) await sink.end().catch(() => {});
    }
    if (partial !== undefined) renameSync(partial, output as string);
    return { id: unpacked.id, bytes, warnings: unpacked.warnings };
  } catch (err) {
    if (partial !== undefined) rmSync(partial, { force: true });
    if (options.signal?.aborted) throw abortError(options.signal);
    throw writeFailure(err, typeof output === 'string' ? dirname(output) : 'the output stream');
  } finally {
    removeTree(scratch);
  }
}
