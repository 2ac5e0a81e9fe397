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
  annotations?: Record<string, string>;
}

export async function readRuntimeConfig(bundle: string): Promise<RuntimeConfig> {
  return JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as RuntimeConfig;
}

/** Asserts two trees agree on every compared field, listing each difference when they do not. */
export function assertSameTree(expected: Tree, actual: Tree, names: [string, string], options: Omit<DiffOptions, 'names'> = {}): void {
  const differences = diffTrees(expected, actual, { ...options, names });
  assert.deepEqual(differences, [], `${names[1]}'s tree differs from ${names[0]}'s:\n${differences.join('\n')}`);
}
