import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pull } from '../../src/engine/index.js';
import { isHoistError, type ErrorCode } from '../../src/errors.js';
import { unpack } from '../../src/unpack/index.js';
import type { RunResult } from '../helpers/cli.js';
import { blobOf, manifestOf, OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, sha256, writeOciLayout, type Blob } from '../helpers/images.js';
import { isolatedEnv } from '../helpers/tmp.js';
import { snapshotTree, diffTrees } from '../helpers/tree.js';

/** Stores images with hand-made (broken) layers and checks that a failed unpack left DIR as it was. */

export interface BadLayer {
  blob: Buffer;
  mediaType?: string;
  /** The config's diff_id for it; default: the sha256 of `tar` (or of the blob when no tar is given). */
  diffId?: string;
  /** The uncompressed tar, for the default diff_id. */
  tar?: Buffer;
}

export interface BadInputStore {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Stores an image with these layers (pulled from an OCI layout); returns its name. `diffIds` replaces the config's list. */
  add(name: string, layers: readonly BadLayer[], options?: { diffIds?: string[] }): Promise<string>;
}

export async function badInputStore(scratch: string): Promise<BadInputStore> {
  const env = await isolatedEnv(join(scratch, 'env'));
  const root = join(scratch, 'store');
  return {
    root,
    env,
    async add(name, layers, options = {}) {
      const blobs: Blob[] = layers.map((l) => blobOf(l.blob, l.mediaType ?? OCI_LAYER_GZIP));
      const diffIds = options.diffIds ?? layers.map((l) => l.diffId ?? sha256(l.tar ?? l.blob));
      const config = blobOf(
        JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }),
        OCI_CONFIG,
      );
      const manifest = manifestOf(config, blobs);
      const layout = join(scratch, 'layouts', name);
      await writeOciLayout(layout, [{ top: manifest, refName: 'bad' }], [manifest, config, ...blobs]);
      await pull(`oci:${layout}:bad`, { root, env });
      return `localhost/${name}:bad`;
    },
  };
}

export function zstd(data: Buffer): Buffer {
  try {
    return execFileSync('zstd', ['-q', '-c', '-1'], { input: data, maxBuffer: 1 << 30 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('zstd is not installed: the zstd layer tests need it (apt-get install zstd)');
    throw err;
  }
}

export const ZSTD = OCI_LAYER_ZSTD;

/** What DIR (and its parent) hold, to compare after a failed unpack. */
export interface DirState {
  dir: string;
  parentEntries: string[];
  /** The tree of DIR when it existed (a file counts: its snapshot is one node). */
  tree: Awaited<ReturnType<typeof snapshotTree>> | undefined;
}

export async function dirState(dir: string): Promise<DirState> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  return { dir, parentEntries: (await readdir(dirname(dir))).sort(), tree: exists ? await snapshotTree(dir) : undefined };
}

export async function assertDirAsBefore(before: DirState): Promise<void> {
  const after = await dirState(before.dir);
  assert.deepEqual(after.parentEntries, before.parentEntries, "DIR's parent holds what it held");
  if (before.tree === undefined) return assert.equal(after.tree, undefined, 'DIR, which did not exist, was removed');
  assert.ok(after.tree !== undefined, 'DIR still exists');
  // An existing DIR's own mtime moves when the unpack's entries are created in it and removed again.
  const except = before.tree.get('')?.type === 'dir' ? [{ path: '', field: 'mtimeNs' as const, reason: 'entries were made and removed in it' }] : [];
  assert.deepEqual(diffTrees(before.tree, after.tree, { names: ['before', 'after'], except }), [], 'DIR is as it was');
}

/** A fresh path for DIR, whose parent exists. */
export async function freshParent(scratch: string, name: string): Promise<string> {
  const parent = join(scratch, 'targets', name);
  await mkdir(parent, { recursive: true });
  return parent;
}

/** Asserts the library's unpack fails with `code` (and a message matching `message`), DIR left as it was. */
export async function assertUnpackFails(
  store: BadInputStore,
  image: string,
  dir: string,
  code: ErrorCode,
  message?: RegExp,
): Promise<Error & { hint?: string | undefined }> {
  const before = await dirState(dir);
  let caught: unknown;
  try {
    await unpack(image, dir, { root: store.root, env: store.env });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `unpack of ${image} succeeded`);
  assert.ok(isHoistError(caught), `not a HoistError: ${(caught as Error).stack}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  await assertDirAsBefore(before);
  return caught;
}

/** The CLI's failure shape: exit 125 (or the signal's), nothing on stdout, one `Error:` line, no stack trace. */
export function assertCliFailure(result: RunResult, status = 125): void {
  assert.equal(result.status, status, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n');
  assert.equal(lines.filter((l) => l.startsWith('Error:')).length, 1, `one Error: line in\n${result.stderr}`);
  assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no stack trace in\n${result.stderr}`);
}
