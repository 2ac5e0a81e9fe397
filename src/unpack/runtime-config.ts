import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { HoistError, quoted } from '../errors.js';
import type { ImageConfig } from '../manifest/index.js';
import { cleanComponents, MAX_SYMLINKS, RootPaths } from './root-paths.js';

// The defaults are runc's `spec` (runtime-tools' generator), as `umoci unpack` writes them, so a
// bundle from hoist runs under runc or crun as umoci's does.
const CAPABILITIES = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'];
/** /etc/passwd and /etc/group are read only this far: a user database, not a disk image. */
const MAX_USER_DB_BYTES = 4 * 1024 * 1024;

function mounts(rootless: boolean): object[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // Without root a new sysfs cannot be mounted (it needs a network namespace of one's own), nor cgroupfs: runc's rootless spec binds /sys.
    rootless
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ...(rootless ? [] : [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }]),
  ];
}

/** `NAME=VALUE` entries, later ones replacing earlier ones of the same name, in first-seen order. */
function mergeEnv(...lists: readonly string[][]): string[] {
  const byName = new Map<string, string>();
  for (const entry of lists.flat()) byName.set(entry.split('=', 1)[0]!, entry);
  return [...byName.values()];
}

/** A file of the image, read as the image sees it: every symlink on the way followed inside the root, the last one too. */
function readImageFile(rootfs: string, path: string): string | undefined {
  const paths = new RootPaths(rootfs);
  let components = cleanComponents(path);
  for (let links = 0; links <= MAX_SYMLINKS; links++) {
    const place = components.length === 0 ? undefined : paths.locate(components, false);
    if (place === undefined) return undefined;
    const file = paths.abs(place.rel);
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      const target = readlinkSync(file);
      components = cleanComponents(target.startsWith('/') ? target : `${place.parent}/${target}`);
      continue;
    }
    return stat?.isFile() && stat.size <= MAX_USER_DB_BYTES ? readFileSync(file, 'utf8') : undefined;
  }
  return undefined;
}

/** The numeric id of `name` in an /etc/passwd- or /etc/group-format file; a number stays itself. */
function lookupId(rootfs: string, file: string, name: string, user: string): { id: number; gid?: number } {
  if (/^[0-9]+$/.test(name)) return { id: Number(name) };
  const line = readImageFile(rootfs, file)
    ?.split('\n')
    .map((l) => l.split(':'))
    .find((fields) => fields[0] === name);
  const id = Number(line?.[2]);
  if (line === undefined || !Number.isInteger(id)) {
    throw new HoistError('INVALID_CONFIG', `the image's User ${quoted(user)} names ${quoted(name)}, which the image's ${file} does not list`);
  }
  const gid = Number(line[3]);
  return Number.isInteger(gid) ? { id, gid } : { id };
}

/** `User` as uid and gid: `uid`, `uid:gid`, or names looked up in the image's own /etc/passwd and /etc/group, as umoci does. */
function processUser(rootfs: string, user: string | undefined): { uid: number; gid: number } {
  if (user === undefined || user === '') return { uid: 0, gid: 0 };
  const [userPart, groupPart] = user.split(':', 2) as [string, string?];
  const found = lookupId(rootfs, '/etc/passwd', userPart, user);
  const gid = groupPart !== undefined ? lookupId(rootfs, '/etc/group', groupPart, user).id : (found.gid ?? 0);
  return { uid: found.id, gid };
}

/**
 * The OCI runtime config of a bundle, from the image config as `umoci unpack` builds it: runc's
 * default spec, then args from Entrypoint and Cmd, Env over the default PATH and TERM, WorkingDir,
 * User (names resolved in the image's own files), a tmpfs per volume, and annotations from the
 * labels and the image's facts. Without root, the spec asks for a user namespace mapping the
 * caller to root, as runc's rootless spec does.
 */
export function runtimeConfig(rootfs: string, image: ImageConfig, created: string | undefined): object {
  const c = image.config ?? {};
  const rootless = (process.getuid?.() ?? 0) !== 0;
  const args = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  const volumes = Object.keys((c.Volumes as Record<string, unknown> | undefined) ?? {}).sort();
  const ports = Object.keys(c.ExposedPorts ?? {}).sort();
  const annotations: Record<string, string> = {
    ...(image.architecture ? { 'org.opencontainers.image.architecture': image.architecture } : {}),
    ...(image.author ? { 'org.opencontainers.image.author': image.author } : {}),
    ...(created ? { 'org.opencontainers.image.created': created } : {}),
    ...(ports.length > 0 ? { 'org.opencontainers.image.exposedPorts': ports.join(',') } : {}),
    ...(image.os ? { 'org.opencontainers.image.os': image.os } : {}),
    ...(typeof c.StopSignal === 'string' ? { 'org.opencontainers.image.stopSignal': c.StopSignal } : {}),
    ...(c.Labels ?? {}),
  };
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return {
    ociVersion: '1.0.0',
    process: {
      terminal: true,
      user: processUser(rootfs, c.User),
      args: args.length > 0 ? args : ['sh'],
      env: mergeEnv(DEFAULT_ENV, c.Env ?? []),
      cwd: c.WorkingDir || '/',
      capabilities: Object.fromEntries(['bounding', 'effective', 'inheritable', 'permitted', 'ambient'].map((set) => [set, CAPABILITIES])),
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: 'hoist',
    mounts: [
      ...mounts(rootless),
      ...volumes.map((destination) => ({ destination, type: 'tmpfs', source: 'none', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'] })),
    ],
    annotations,
    linux: {
      ...(rootless
        ? { uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: gid, size: 1 }] }
        : { resources: { devices: [{ allow: false, access: 'rwm' }] } }),
      namespaces: [...['pid', 'network', 'ipc', 'uts', 'mount'], ...(rootless ? ['user'] : [])].map((type) => ({ type })),
      maskedPaths: ['/proc/kcore', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** Writes DIR/config.json for the unpacked image; returns its path. */
export function writeRuntimeConfig(dir: string, image: ImageConfig): string {
  const path = `${dir}/config.json`;
  writeFileSync(path, `${JSON.stringify(runtimeConfig(`${dir}/rootfs`, image, image.created), null, '\t')}\n`, { mode: 0o644, flag: 'wx' });
  return path;
}
