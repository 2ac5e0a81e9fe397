import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir; the caller removes it (see withTempDir). */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hoist-test-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Runs `fn` with a fresh temp directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir();
  try {
    return await fn(dir);
  } finally {
    await removeDir(dir);
  }
}

export interface StoreSnapshot {
  /** index.json as bytes on disk (undefined when absent). */
  index: string | undefined;
  /** `alg:hex` of every blob. */
  blobs: string[];
  /** Everything left in tmp/. */
  tmp: string[];
}

/** What a store holds, to assert that a failed operation left it exactly as it was. */
export async function storeSnapshot(root: string): Promise<StoreSnapshot> {
  const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
  const blobs: string[] = [];
  for (const alg of await list(join(root, 'blobs'))) {
    for (const hex of await list(join(root, 'blobs', alg))) blobs.push(`${alg}:${hex}`);
  }
  return {
    index: await readFile(join(root, 'index.json'), 'utf8').catch(() => undefined),
    blobs: blobs.sort(),
    tmp: (await list(join(root, 'tmp'))).sort(),
  };
}

/**
 * Asserts a failed pull recorded nothing and left nothing half-written: index.json and tmp/ are as
 * in `before`, and the only new blobs are whole, verified ones (a failed pull keeps what it
 * verified, unnamed, for the next try; rmi collects them).
 */
export async function assertNothingRecorded(root: string, before: StoreSnapshot): Promise<void> {
  const after = await storeSnapshot(root);
  assert.equal(after.index, before.index, 'no image was recorded');
  assert.deepEqual(after.tmp, before.tmp, 'nothing half-written is left in tmp/');
  assert.ok(
    before.blobs.every((d) => after.blobs.includes(d)),
    'no blob went missing',
  );
  await assertBlobsHashToTheirNames(
    root,
    after.blobs.filter((d) => !before.blobs.includes(d)),
  );
}

/** Asserts each of `digests` (`alg:hex`, as storeSnapshot lists them) is stored whole: its bytes hash to its name. */
export async function assertBlobsHashToTheirNames(root: string, digests: readonly string[]): Promise<void> {
  for (const digest of digests) {
    const [algorithm, hex] = digest.split(':') as [string, string];
    assert.equal(
      createHash(algorithm)
        .update(await readFile(join(root, 'blobs', algorithm, hex)))
        .digest('hex'),
      hex,
      `blob ${digest} is what its name says`,
    );
  }
}

/**
 * An environment that keeps the machine's own files out of a test: HOME and every XDG directory
 * live under `dir` (created empty), so no real auth file, registries.conf, hoist.toml, alias cache
 * or store is read.
 */
export async function isolatedEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  };
  for (const key of ['HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR']) await mkdir(env[key]!, { recursive: true });
  return env;
}
