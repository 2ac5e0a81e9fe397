import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256 } from '../../helpers/images.js';
import type { Rng } from '../rng.js';
import { mutateBytes, mutateJson, mutateText } from './mutate.js';

/** A local image source as files: an OCI layout or a `dir:` image, where some files are blobs named by digest. */
export interface FileModel {
  files: Map<string, Buffer>;
  /** The digest a file is named by, if it is a blob. */
  digestOf(path: string): string | undefined;
  pathOf(digest: string): string;
}

export function ociLayoutModel(index: string, ociLayout: string, blobs: Map<string, Buffer>): FileModel {
  const files = new Map<string, Buffer>([
    ['oci-layout', Buffer.from(ociLayout)],
    ['index.json', Buffer.from(index)],
  ]);
  for (const [digest, data] of blobs) files.set(`blobs/sha256/${digest.slice(7)}`, data);
  return {
    files,
    digestOf: (path) => (path.startsWith('blobs/sha256/') ? `sha256:${path.slice(13)}` : undefined),
    pathOf: (digest) => `blobs/sha256/${digest.slice(7)}`,
  };
}

export function dirImageModel(manifest: Buffer, blobs: Map<string, Buffer>): FileModel {
  const files = new Map<string, Buffer>([
    ['manifest.json', manifest],
    ['version', Buffer.from('Directory Transport Version: 1.1\n')],
  ]);
  for (const [digest, data] of blobs) files.set(digest.slice(7), data);
  return { files, digestOf: (path) => (/^[0-9a-f]{64}$/.test(path) ? `sha256:${path}` : undefined), pathOf: (digest) => digest.slice(7) };
}

const parsesAsJson = (bytes: Buffer) => {
  try {
    JSON.parse(bytes.toString('utf8'));
    return bytes.length > 0;
  } catch {
    return false;
  }
};

/** Points every descriptor of `doc` that names `from` at `to` (digest and size). */
function repoint(doc: unknown, from: string, to: { digest: string; size: number }): void {
  if (Array.isArray(doc)) doc.forEach((d) => repoint(d, from, to));
  else if (doc !== null && typeof doc === 'object') {
    const record = doc as Record<string, unknown>;
    if (record.digest === from) Object.assign(record, to);
    Object.values(record).forEach((v) => repoint(v, from, to));
  }
}

/**
 * Stores `bytes` as the new content of blob `digest` under its own new digest, and rewrites every
 * document that referenced the old one, up to index.json (or manifest.json): the layout stays
 * consistent, so its readers meet the mutated document instead of a digest mismatch.
 */
function readdress(model: FileModel, digest: string, bytes: Buffer): void {
  const next = { digest: sha256(bytes), size: bytes.length };
  model.files.delete(model.pathOf(digest));
  model.files.set(model.pathOf(next.digest), bytes);
  for (const path of [...model.files.keys()]) {
    // Read afresh: an earlier step of this loop may have rewritten or moved the file.
    const content = model.files.get(path);
    if (content === undefined || !content.includes(digest) || !parsesAsJson(content)) continue;
    const doc = JSON.parse(content.toString('utf8')) as unknown;
    repoint(doc, digest, next);
    const rewritten = Buffer.from(JSON.stringify(doc));
    const own = model.digestOf(path);
    if (own !== undefined) readdress(model, own, rewritten);
    else model.files.set(path, rewritten);
  }
}

/** One mutation of the model; returns what it did. */
export function mutateModel(rng: Rng, model: FileModel): string {
  const paths = [...model.files.keys()];
  const json = paths.filter((p) => parsesAsJson(model.files.get(p)!));
  const blobs = paths.filter((p) => model.digestOf(p) !== undefined);
  if (paths.length === 0) return 'nothing left to mutate';
  const path = rng.pick(rng.chance(0.6) && json.length > 0 ? json : paths);
  const bytes = model.files.get(path)!;
  switch (rng.int(4)) {
    case 0:
    case 1: {
      const mutated = Buffer.from(parsesAsJson(bytes) ? mutateJson(rng, bytes.toString('utf8')) : mutateText(rng, bytes.toString('latin1')), 'utf8');
      const digest = model.digestOf(path);
      if (digest !== undefined && rng.chance(0.7)) {
        readdress(model, digest, mutated);
        return `${path} mutated and re-addressed`;
      }
      model.files.set(path, mutated);
      return `${path} mutated`;
    }
    case 2: {
      const victim = rng.pick(blobs.length > 0 ? blobs : paths);
      model.files.delete(victim);
      return `${victim} removed`;
    }
    default:
      model.files.set(path, mutateBytes(rng, bytes, 6));
      return `bytes of ${path} edited`;
  }
}

/** Writes the model under `dir`; sometimes one file becomes a symlink or a directory. */
export async function writeModel(rng: Rng, model: FileModel, dir: string): Promise<string | undefined> {
  for (const [path, bytes] of model.files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  if (!rng.chance(0.1)) return undefined;
  const path = rng.pick([...model.files.keys()]);
  await rm(join(dir, path));
  const kind = rng.pick(['a symlink to /etc/hostname', 'a symlink to itself', 'a symlink out of the layout', 'a directory'] as const);
  if (kind === 'a directory') await mkdir(join(dir, path));
  else
    await symlink(
      kind === 'a symlink to itself' ? join(dir, path) : kind === 'a symlink to /etc/hostname' ? '/etc/hostname' : '../../../../etc/passwd',
      join(dir, path),
    );
  return `${path} is ${kind}`;
}
