import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { isolatedEnv } from '../helpers/tmp.js';
import { diffTrees, snapshotTree, type DiffOptions, type Tree } from '../helpers/tree.js';
import { runUmoci } from '../helpers/umoci.js';

/**
 * The hoist side of the interop tests: the CLI as a user runs it, with HOME and the XDG dirs in
 * a scratch directory so no file of the machine is read, and one store per test file.
 */
export interface HoistCli {
  root: string;
  run(args: readonly string[]): Promise<RunResult>;
  /** `hoist pull -q SOURCE`; returns the image ID it prints. */
  pull(source: string, flags?: readonly string[]): Promise<string>;
  /** `hoist unpack [FLAGS] IMAGE DIR`, asserted to succeed silently on stdout. */
  unpack(image: string, dir: string, flags?: readonly string[]): Promise<RunResult>;
}

export async function hoistCli(scratch: string): Promise<HoistCli> {
  const env = await isolatedEnv(join(scratch, 'env'));
  const root = join(scratch, 'store');
  const run = (args: readonly string[]) =>
    runHoist(['--root', root, ...args], { env: { ...env, CONTAINERS_REGISTRIES_CONF: undefined, REGISTRY_AUTH_FILE: undefined } });
  return {
    root,
    run,
    async pull(source, flags = []) {
      const result = await run(['pull', '-q', ...flags, source]);
      assert.equal(result.status, 0, `hoist pull ${source}: ${result.stderr}`);
      return result.stdout.trim();
    },
    async unpack(image, dir, flags = []) {
      const result = await run(['unpack', ...flags, image, dir]);
      assert.equal(result.status, 0, `hoist unpack ${image}: ${result.stderr}`);
      assert.equal(result.stdout, '', 'hoist unpack writes nothing on stdout');
      return result;
    },
  };
}

/** umoci's own unpack of `image` (`LAYOUT:TAG`) into `bundle`: its rootfs tree and its config.json. */
export async function umociUnpack(image: string, bundle: string): Promise<{ tree: Tree; config: RuntimeConfig }> {
  await runUmoci(['unpack', '--image', image, bundle]);
  return { tree: await snapshotTree(join(bundle, 'rootfs')), config: await readRuntimeConfig(bundle) };
}

/** The parts of an OCI runtime config that are built from the image config. */
export interface RuntimeConfig {
  ociVersion?: string;
  process?: { args?: string[]; env?: string[]; cwd?: string; user?: { uid?: number; gid?: number; additionalGids?: number[] }; terminal?: boolean };
  root?: { path?: string; readonly?: boolean };
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  annotations?: Record<string, string>;
}

/**
 * Asserts hoist's config.json has what umoci's has in every field built from the image config:
 * args (Entrypoint + Cmd), env, cwd, user, the mounts (runc's defaults and a tmpfs per volume),
 * and the annotations. One difference is allowed: umoci writes the annotations of an absent
 * author, StopSignal and ExposedPorts as empty strings, hoist leaves them out (conversion.md
 * sets them to the field's value, and an absent field has none).
 */
export function assertRuntimeConfigLikeUmoci(ours: RuntimeConfig, umoci: RuntimeConfig): void {
  assert.equal(ours.root?.path, 'rootfs');
  assert.deepEqual(ours.process?.args, umoci.process?.args, 'process.args');
  assert.deepEqual(ours.process?.env, umoci.process?.env, 'process.env');
  assert.equal(ours.process?.cwd, umoci.process?.cwd, 'process.cwd');
  assert.deepEqual(ours.process?.user, umoci.process?.user, 'process.user');
  // umoci lists the volumes in Go's map order, which changes from run to run: compare the mounts
  // as a set, and check that hoist's order mounts every parent before what lies below it.
  const byDestination = (mounts: RuntimeConfig['mounts']) => [...(mounts ?? [])].sort((x, y) => (x.destination < y.destination ? -1 : 1));
  assert.deepEqual(byDestination(ours.mounts), byDestination(umoci.mounts), 'mounts');
  const order = (ours.mounts ?? []).map((m) => m.destination);
  for (const [i, destination] of order.entries()) {
    assert.ok(!order.slice(i + 1).some((d) => destination.startsWith(`${d}/`)), `${destination} is mounted after its parent`);
  }
  const expected = Object.fromEntries(Object.entries(umoci.annotations ?? {}).filter(([key, value]) => value !== '' || key in (ours.annotations ?? {})));
  assert.deepEqual(ours.annotations, expected, 'annotations');
}

export async function readRuntimeConfig(bundle: string): Promise<RuntimeConfig> {
  return JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as RuntimeConfig;
}

/**
 * Asserts hoist's tree agrees with a peer's on every field, listing each difference when not.
 * Times agree to the microsecond, not the nanosecond: Node's utimes and lutimes take seconds as a
 * double, which at today's epoch cannot hold nanoseconds (one step is ~240 ns), so no Node program
 * can set what a PAX mtime of `.123456789` says; hoist keeps the microseconds.
 */
export function assertSameTree(expected: Tree, actual: Tree, names: [string, string], options: Omit<DiffOptions, 'names'> = {}): void {
  const differences = diffTrees(expected, actual, { mtimeResolutionNs: 1000n, ...options, names });
  assert.deepEqual(differences, [], `${names[1]}'s tree differs from ${names[0]}'s:\n${differences.join('\n')}`);
}
