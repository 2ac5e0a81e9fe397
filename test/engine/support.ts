import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PullOptions } from '../../src/engine/index.js';
import type { CopyEvent } from '../../src/progress/events.js';
import { Store } from '../../src/store/index.js';
import { isolatedEnv } from '../helpers/tmp.js';

/**
 * Shared setup for the engine's end-to-end tests: an isolated environment (HOME, XDG dirs) so no
 * file of the machine (auth files, the user's registries.conf, hoist.toml, the alias cache) is
 * read, test-written registries.conf files, stores, and event capture.
 */
export interface Sandbox {
  dir: string;
  /** For the library's `env` option. */
  env: NodeJS.ProcessEnv;
  /** For runHoist: the same, and the variables that would point hoist elsewhere removed. */
  cliEnv: Record<string, string | undefined>;
  /** Writes a registries.conf under the sandbox and returns its path. */
  conf(name: string, text: string): Promise<string>;
  /** A fresh, empty store root (not yet created). */
  root(): string;
  /** A fresh store, opened. */
  store(): Promise<Store>;
  /** A fresh alias-cache path (the file does not exist yet). */
  aliasCache(): string;
  remove(): Promise<void>;
}

let counter = 0;

export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-engine-'));
  const env = await isolatedEnv(dir);
  const cliEnv: Record<string, string | undefined> = {
    ...env,
    CONTAINERS_REGISTRIES_CONF: undefined,
    REGISTRY_AUTH_FILE: undefined,
    DOCKER_CONFIG: undefined,
    HOIST_ALIAS_CACHE: undefined,
    HOIST_CONFIG: undefined,
    HOIST_ROOT: undefined,
  };
  return {
    dir,
    env,
    cliEnv,
    conf: async (name, text) => {
      const file = join(dir, name);
      await writeFile(file, text);
      return file;
    },
    root: () => join(dir, `store-${++counter}`),
    store: () => Store.open(join(dir, `store-${++counter}`)),
    aliasCache: () => join(dir, `aliases-${++counter}.conf`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `[[registry]]` tables marking loopback registries as plain HTTP. */
export function insecure(...hosts: string[]): string {
  return hosts.map((host) => `[[registry]]\nlocation = "${host}"\ninsecure = true\n`).join('\n');
}

/** Library options that keep a pull inside the sandbox. */
export function pullOptions(sandbox: Sandbox, registriesConf: string, extra: PullOptions = {}): PullOptions {
  return { env: sandbox.env, registriesConf, aliasCache: sandbox.aliasCache(), isTTY: false, registry: { retry: 0 }, ...extra };
}

export interface Captured {
  events: CopyEvent[];
  onEvent: (event: CopyEvent) => void;
  /** The references of the `Trying to pull` events, in order. */
  tried(): string[];
  of<T extends CopyEvent['type']>(type: T): Extract<CopyEvent, { type: T }>[];
}

export function capture(): Captured {
  const events: CopyEvent[] = [];
  const of = <T extends CopyEvent['type']>(type: T) => events.filter((e): e is Extract<CopyEvent, { type: T }> => e.type === type);
  return { events, onEvent: (e) => events.push(e), tried: () => of('trying').map((e) => e.reference), of };
}

/**
 * `127.0.0.1:PORT` where nothing listens: a port below the ephemeral range (which is where every
 * test server binds, with port 0), checked to refuse connections.
 */
export async function deadHost(): Promise<string> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return `127.0.0.1:${port}`;
  }
  throw new Error('no closed loopback port found');
}
