import { fchownSync, lchownSync } from 'node:fs';
import type { StreamEntry } from '../archive/tar-stream.js';
import { quoted, type WarningCode } from '../errors.js';

/** The xattr calls hoist needs (`@napi-rs/xattr`, whose calls act on the path itself: a symlink is not followed). */
interface XattrModule {
  setAttributeSync(path: string, name: string, value: Uint8Array | string): void;
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
}

let xattrModule: Promise<XattrModule> | undefined;
/** Loaded on the first xattr to write: a native addon has no business in a run that writes none. */
function loadXattr(): Promise<XattrModule> {
  xattrModule ??= import('@napi-rs/xattr').then((m) => (m as { default?: XattrModule }).default ?? (m as unknown as XattrModule));
  return xattrModule;
}

/** A reader of a path's xattrs (the path itself, not a symlink's target): name → value. */
export async function xattrReader(): Promise<(path: string) => Map<string, Buffer>> {
  const xattr = await loadXattr();
  return (path) => {
    const found = new Map<string, Buffer>();
    let names: string[];
    try {
      names = xattr.listAttributesSync(path);
    } catch (err) {
      if (osErrno(err) === EOPNOTSUPP) return found; // a file system without xattrs has none to export
      throw err;
    }
    for (const name of names) {
      const value = xattr.getAttributeSync(path, name);
      if (value !== null) found.set(name, value);
    }
    return found;
  };
}

/** containers/storage's record of the owner and mode a rootless unpack could not apply (force_mask). */
export const OVERRIDE_STAT = 'user.containers.override_stat';

const EOPNOTSUPP = 95;
const EPERM = 1;
const ENOSPC = 28;

function osErrno(err: unknown): number | undefined {
  const match = /os error (\d+)/.exec((err as Error).message);
  return match === null ? undefined : Number(match[1]);
}

/** What happened that the user should hear of once per unpack, counted. */
export class UnpackNotes {
  readonly #counts = new Map<WarningCode, { count: number; what: string }>();

  note(code: WarningCode, what: string): void {
    const entry = this.#counts.get(code);
    if (entry === undefined) this.#counts.set(code, { count: 1, what });
    else entry.count++;
  }

  warnings(): { code: WarningCode; message: string }[] {
    const messages: Record<string, (n: number, what: string) => string> = {
      OWNERSHIP_NOT_RECORDED: (n, what) =>
        `the owners of ${n} path(s) could not be applied without root and the file system refused the ${OVERRIDE_STAT} xattr that records them (first: ${what}); they are owned by the current user`,
      DEVICE_PLACEHOLDER: (n, what) => `${n} device node(s) became empty files, as devices cannot be created without root (first: ${what})`,
      XATTR_SKIPPED: (n, what) => `${n} extended attribute(s) of the image were not applied (first: ${what})`,
    };
    return [...this.#counts].map(([code, { count, what }]) => ({ code, message: messages[code]!(count, what) }));
  }
}

/** The type word of override_stat. */
function statType(entry: StreamEntry): string {
  switch (entry.type) {
    case 'directory':
      return 'dir';
    case 'fifo':
      return 'pipe';
    case 'char':
    case 'block':
      return `${entry.type}-${entry.devmajor}-${entry.devminor}`;
    default:
      return 'file';
  }
}

/** Which xattrs an unpack applies: what a container expects, never what steers the host (trusted.*) or its labels (SELinux). */
function xattrAllowed(name: string, asRoot: boolean, isSymlink: boolean): boolean {
  if (name.startsWith('user.')) return !isSymlink && name !== OVERRIDE_STAT;
  if (!asRoot) return false;
  return name === 'security.capability' || name === 'system.posix_acl_access' || name === 'system.posix_acl_default';
}

/**
 * Owners and xattrs. As root, the header's owner is applied (before the mode: chown clears
 * setuid and setgid). Without root, nothing is chowned: the owner and mode the image wants are
 * recorded in `user.containers.override_stat` on each file and directory whose owner is not the
 * caller's, as containers/storage's force_mask does, so that a tool entering a user namespace
 * later can restore them.
 */
export class Attributes {
  readonly asRoot: boolean;
  readonly #uid: number;
  readonly #gid: number;
  #xattr: XattrModule | undefined;
  #overrideRefused = false;

  constructor(private readonly notes: UnpackNotes) {
    this.#uid = process.getuid?.() ?? 0;
    this.#gid = process.getgid?.() ?? 0;
    this.asRoot = this.#uid === 0;
  }

  /** Loads the xattr addon if this entry will need it (async, so call it before the entry's sync work). */
  async prepare(entry: StreamEntry): Promise<void> {
    if (this.#xattr !== undefined) return;
    if (entry.xattrs.size > 0 || (!this.asRoot && this.#needsRecord(entry))) this.#xattr = await loadXattr();
  }

  /**
   * Without root: an owner not the caller's, or a device that became a plain file, is recorded.
   * Linux allows user xattrs on regular files and directories only, so a symlink's or a FIFO's owner is dropped.
   */
  #needsRecord(entry: StreamEntry): boolean {
    if (entry.type === 'symlink' || entry.type === 'hardlink' || entry.type === 'fifo') return false;
    return entry.type === 'char' || entry.type === 'block' || entry.uid !== this.#uid || entry.gid !== this.#gid;
  }

  /** The owner, on an open file or by path (a symlink itself, never its target). */
  owner(entry: StreamEntry, path: string, fd?: number): void {
    if (this.asRoot) {
      if (fd === undefined) lchownSync(path, entry.uid, entry.gid);
      else fchownSync(fd, entry.uid, entry.gid);
      return;
    }
    if (!this.#needsRecord(entry)) return;
    if (this.#overrideRefused) {
      this.notes.note('OWNERSHIP_NOT_RECORDED', quoted(path));
      return;
    }
    const mode = entry.mode.toString(8).padStart(4, '0');
    const refused = this.#set(path, OVERRIDE_STAT, `${entry.uid}:${entry.gid}:${mode}:${statType(entry)}`);
    if (refused === undefined) return;
    // A file system without user xattrs refuses them all: stop asking. EPERM is this one path's refusal.
    if (refused === EOPNOTSUPP) this.#overrideRefused = true;
    this.notes.note('OWNERSHIP_NOT_RECORDED', quoted(path));
  }

  /** The entry's PAX xattrs, those allowed; after owner and mode, as chown would clear a file capability. */
  xattrs(entry: StreamEntry, path: string): void {
    for (const [name, value] of entry.xattrs) {
      if (!xattrAllowed(name, this.asRoot, entry.type === 'symlink') || this.#set(path, name, value) !== undefined) {
        this.notes.note('XATTR_SKIPPED', `${quoted(name)} on ${quoted(path)}`);
      }
    }
  }

  /** Undefined when set; the errno when the file system or the kernel refuses it. A full disk fails the unpack. */
  #set(path: string, name: string, value: Uint8Array | string): number | undefined {
    try {
      this.#xattr!.setAttributeSync(path, name, value);
      return undefined;
    } catch (err) {
      const errno = osErrno(err);
      // As an errno error, so the unpack reports a full disk as it does for any other write.
      if (errno === ENOSPC) throw Object.assign(new Error(`setxattr ${name}: no space left on device`), { code: 'ENOSPC', syscall: 'setxattr' });
      if (errno === EOPNOTSUPP || errno === EPERM) return errno;
      throw err;
    }
  }
}
