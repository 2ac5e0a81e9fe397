import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyImage } from '../../src/copy/index.js';
import type { WantedPlatform } from '../../src/manifest/index.js';
import { parseReference } from '../../src/reference/index.js';
import { Store, type ImageRecord } from '../../src/store/index.js';
import { registryEndpoint, type RegistrySourceOptions } from '../../src/transports/docker.js';
import { isolatedEnv } from './tmp.js';

/**
 * A temp directory with an isolated environment: HOME, XDG dirs and no certs.d bases of the
 * machine, so no real auth file or certificate changes what a test sees.
 */
export interface Scratch {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Options that keep a registry client inside the scratch environment. */
  options(extra?: RegistrySourceOptions): RegistrySourceOptions;
  remove(): Promise<void>;
}

export async function makeScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-regtest-'));
  const env = await isolatedEnv(dir);
  return {
    dir,
    env,
    options: (extra = {}) => ({ env, certsBases: [], retryDelayMs: 10, ...extra }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

let stores = 0;

/** Pulls `reference` into a fresh store under the scratch dir, as the engine would (policy always). */
export async function pull(
  scratch: Scratch,
  reference: string,
  options: RegistrySourceOptions,
  platform: WantedPlatform = { os: 'linux', architecture: 'amd64' },
): Promise<{ image: ImageRecord; store: Store; root: string }> {
  const root = join(scratch.dir, `store-${++stores}`);
  const store = await Store.open(root);
  const source = await registryEndpoint(parseReference(reference), options).open();
  try {
    const image = await copyImage(source, store, { platform, names: [reference] });
    return { image, store, root };
  } finally {
    await source.close();
  }
}
