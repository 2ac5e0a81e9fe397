import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The programs under test: hoist (the built CLI of this checkout) and the peers when installed.
 * A peer that is missing or cannot work here is reported as absent with the reason, never an error.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HOIST_CLI = fileURLToPath(new URL('../../dist/bin/hoist.mjs', import.meta.url));

export interface Absent {
  absent: string;
}

export function versionOf(command: string, args: string[] = ['--version']): string | Absent {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) return { absent: `${command} is not installed` };
  if (result.status !== 0) return { absent: `${command} ${args.join(' ')} failed: ${result.stderr.trim()}` };
  return result.stdout.trim().split('\n')[0]!;
}

/** A peer the user chose to leave out (--no-peers): absent, but not worth a line in the table. */
export const LEFT_OUT: Absent = { absent: 'left out (--no-peers)' };

export const isAbsent = (value: unknown): value is Absent => typeof value === 'object' && value !== null && 'absent' in value;

/**
 * The caller's environment without what would make runs incomparable: HOIST_ROOT and DEBUG, and
 * Node settings of the machine rather than of hoist. NODE_EXTRA_CA_CERTS (set on some CI and
 * sandbox images) makes every Node start parse a CA bundle, ~50 ms here, which loopback pulls
 * never use and the Go peers do not pay.
 */
export const HOIST_ENV_CLEARED = ['HOIST_ROOT', 'DEBUG', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

export function hoistEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of HOIST_ENV_CLEARED) delete env[name];
  return env;
}

export function hoistPull(cli: string, root: string, name: string, flags: string[] = []): string[] {
  return [process.execPath, cli, '--root', root, 'pull', ...flags, name];
}

/** skopeo without a signature policy file (hoist has none either), into an OCI layout. */
export function skopeoCopy(source: string, layout: string, ref: string, flags: string[]): string[] {
  return ['skopeo', '--insecure-policy', 'copy', ...flags, source, `oci:${layout}:${ref}`];
}

export interface Podman {
  version: string;
  driver: 'overlay' | 'vfs';
  /** Whether `podman pull --policy` exists (Podman ≥ 4.5 or so; 4.3 has only `run/create --pull`). */
  pullPolicy: boolean;
}

export function podmanArgs(podman: Podman, root: string, args: string[]): string[] {
  return ['podman', '--root', `${root}/storage`, '--runroot', `${root}/run`, '--storage-driver', podman.driver, ...args];
}

export function podmanSupportsPullPolicy(): boolean {
  const help = spawnSync('podman', ['pull', '--help'], { encoding: 'utf8' });
  return /--policy\b/.test(help.stdout ?? '');
}

/** The overlay driver bind-mounts its home; unmount whatever lies below `root` before removing it. */
export async function removePodmanRoot(root: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point !== undefined && (point === root || point.startsWith(`${root}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  await rm(root, { recursive: true, force: true });
}

/** Tries overlay, then vfs, by pulling a small image into a throw-away root; else says why not. */
export async function probePodman(name: string, scratch: string): Promise<Podman | Absent> {
  const version = versionOf('podman');
  if (isAbsent(version)) return version;
  const pullPolicy = podmanSupportsPullPolicy();
  const failures: string[] = [];
  for (const driver of ['overlay', 'vfs'] as const) {
    const podman: Podman = { version, driver, pullPolicy };
    const root = `${scratch}/podman-probe-${driver}`;
    const [command, ...args] = podmanArgs(podman, root, ['pull', '-q', '--tls-verify=false', name]);
    const result = spawnSync(command!, args, { encoding: 'utf8', timeout: 120_000 });
    await removePodmanRoot(root);
    if (result.status === 0) return podman;
    failures.push(`${driver}: ${(result.stderr || String(result.error)).trim().split('\n').at(-1)}`);
  }
  return { absent: `podman cannot pull here (${failures.join('; ')})` };
}
