import { startHoist, type RunResult, type StartedProgram } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import type { FixtureImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

/** A command's outcome with the command line that produced it (for reproductions). */
export interface Ran extends RunResult {
  command: string;
  ms: number;
}

export interface HoistRun {
  child: StartedProgram['child'];
  result: Promise<Ran>;
}

export interface HoistOptions {
  timeoutMs?: number;
  /** The registries.conf a pull reads instead of the world's. */
  registriesConf?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/**
 * What the categories share: a sandbox (no file of the machine is read), the real registry, the
 * fault proxy in front of it (which also counts what each request served), and hoist's CLI.
 */
export interface World {
  sandbox: Sandbox;
  registry: RegistryHandle;
  proxy: FaultProxy;
  /** registries.conf marking the proxy and the registry as plain-HTTP registries. */
  conf: string;
  push(repository: string, image: FixtureImage, tags: string | string[]): Promise<void>;
  /** `hoist --root ROOT ARGS`; pulls read only the world's registries.conf and a fresh alias cache. */
  hoist(root: string, args: readonly string[], options?: HoistOptions): Promise<Ran>;
  start(root: string, args: readonly string[], options?: HoistOptions): HoistRun;
  stop(): Promise<void>;
}

/** No run of hoist in the suite may take longer than this; one that does is a hang. */
export const HOIST_TIME_LIMIT_MS = 180_000;

export async function startWorld(): Promise<World> {
  const sandbox = await makeSandbox();
  const registry = await startRegistry();
  const proxy = await startFaultProxy(registry);
  const conf = await sandbox.conf('registries.conf', insecure(proxy.host, registry.host));
  const start = (root: string, args: readonly string[], options: HoistOptions = {}): HoistRun =>
    startHoistIn(
      sandbox,
      root,
      args[0] === 'pull' ? ['pull', '--registries-conf', options.registriesConf ?? conf, '--alias-cache', sandbox.aliasCache(), ...args.slice(1)] : args,
      options,
    );
  return {
    sandbox,
    registry,
    proxy,
    conf,
    push: (repository, image, tags) => pushImage(registry, repository, image, tags),
    hoist: (root, args, options) => start(root, args, options).result,
    start,
    stop: async () => {
      await proxy.stop();
      await registry.stop();
      await sandbox.remove();
    },
  };
}

/** `hoist --root ROOT ARGS` in `sandbox`'s environment, timed and bounded by HOIST_TIME_LIMIT_MS. */
export function startHoistIn(sandbox: Sandbox, root: string, args: readonly string[], options: HoistOptions = {}): HoistRun {
  const argv = ['--root', root, ...args];
  const startedAt = Date.now();
  const started = startHoist(argv, {
    env: { ...sandbox.cliEnv, ...options.env },
    timeoutMs: options.timeoutMs ?? HOIST_TIME_LIMIT_MS,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const command = `hoist ${argv.map(shellWord).join(' ')}`;
  return { child: started.child, result: started.result.then((result) => ({ ...result, command, ms: Date.now() - startedAt })) };
}

/** An argument as a shell would need it quoted, for printing a command that can be pasted. */
export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
