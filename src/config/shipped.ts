import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The installed package's root (holding package.json and conf/). Found by walking up from this
 * module, since the compiled code sits at different depths in `dist/` and in the test build.
 */
function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'conf', 'hoist.toml')) || !existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('hoist installation is incomplete: its conf/ directory is missing');
    dir = parent;
  }
  cached = dir;
  return cached;
}

/** The package's `conf/` directory of shipped defaults. */
export function shippedConfDir(): string {
  return join(packageRoot(), 'conf');
}

/** The package's top-level `registries.d/`: the default signature-storage configuration. */
export function shippedRegistriesDDir(): string {
  return join(packageRoot(), 'registries.d');
}

let version: string | undefined;

/** hoist's version, from its package.json (for --version and the User-Agent). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
