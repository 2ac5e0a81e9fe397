import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processIsAlive } from '../../src/store/process-alive.js';
import { run } from '../helpers/cli.js';
import { OCI_MANIFEST } from '../helpers/images.js';
import { fail } from './trial.js';
import type { Ran, World } from './world.js';

/**
 * The store checker every category uses. A store is sound when: index.json (if any) is an OCI
 * index; every blob under blobs/ hashes to its name; every descriptor's manifest, config, layers
 * and signatures are present with the size declared; every name resolves through hoist (`images`,
 * `inspect`); skopeo reads every OCI-typed name; and, once no hoist runs on it, tmp/ holds
 * nothing of a process that has died (temp files carry their pid: `<prefix>-<pid>-<random>`).
 */

export interface NamedImage {
  name: string;
  manifestDigest: string;
  mediaType: string;
  /** Hex of the config digest: the image ID. */
  id: string | undefined;
}

export interface StoreFiles {
  /** `alg:hex` → size, of every blob in blobs/. */
  blobs: Map<string, number>;
  names: NamedImage[];
  /** tmp/ entries → their size. */
  tmp: Map<string, number>;
  problems: string[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const CONFIG_DIGEST = 'dev.hoist.config-digest';
const SIGNATURES = 'dev.hoist.signatures';

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: Record<string, unknown>;
}

/** What the store holds on disk, and what is wrong with it (no process is run). */
export async function readStoreFiles(root: string): Promise<StoreFiles> {
  const problems: string[] = [];
  const blobs = await hashedBlobs(root, problems);
  const tmp = new Map<string, number>();
  for (const name of await readdir(join(root, 'tmp')).catch(() => [] as string[])) {
    tmp.set(name, (await lstat(join(root, 'tmp', name)).catch(() => undefined))?.size ?? 0);
  }
  const names: NamedImage[] = [];
  const index = await readFile(join(root, 'index.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined; // hoist reads a missing index as an empty store
    problems.push(`index.json is unreadable: ${err.message}`);
    return undefined;
  });
  if (index === undefined) return { blobs, names, tmp, problems };
  let doc: { manifests?: unknown };
  try {
    doc = JSON.parse(index) as { manifests?: unknown };
  } catch (err) {
    problems.push(`index.json is not JSON (${(err as Error).message}): ${JSON.stringify(index.slice(0, 80))}`);
    return { blobs, names, tmp, problems };
  }
  if (!Array.isArray(doc.manifests)) {
    problems.push('index.json has no "manifests" list');
    return { blobs, names, tmp, problems };
  }
  for (const [i, d] of (doc.manifests as Descriptor[]).entries()) {
    const where = `index.json manifests[${i}]`;
    if (typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
      problems.push(`${where} is not a descriptor: ${JSON.stringify(d).slice(0, 120)}`);
      continue;
    }
    const needed = await blobsNeededBy(root, d, where, problems);
    for (const { digest, size, what } of needed) {
      const stored = blobs.get(digest);
      if (stored === undefined) problems.push(`${where} lists a missing blob: ${what} ${digest}`);
      else if (size !== undefined && stored !== size) problems.push(`${where}: ${what} ${digest} is ${stored} bytes, not ${size}`);
    }
    const annotations = d.annotations ?? {};
    const name = annotations[CONTAINERD_NAME] ?? annotations[REF_NAME];
    const config = annotations[CONFIG_DIGEST];
    if (typeof name === 'string') {
      names.push({
        name,
        manifestDigest: d.digest,
        mediaType: d.mediaType,
        id: typeof config === 'string' ? config.slice(config.indexOf(':') + 1) : undefined,
      });
    }
  }
  return { blobs, names, tmp, problems };
}

/** Every blob of blobs/ with its size; one that does not hash to its name is a problem. */
async function hashedBlobs(root: string, problems: string[]): Promise<Map<string, number>> {
  const blobs = new Map<string, number>();
  const dir = join(root, 'blobs');
  for (const algorithm of await readdir(dir).catch(() => [] as string[])) {
    for (const hex of await readdir(join(dir, algorithm)).catch(() => [] as string[])) {
      const path = join(dir, algorithm, hex);
      const info = await lstat(path);
      if (!info.isFile()) {
        problems.push(`blobs/${algorithm}/${hex} is not a regular file`);
        continue;
      }
      if (algorithm !== 'sha256' && algorithm !== 'sha512') {
        problems.push(`blobs/${algorithm}/${hex}: unknown digest algorithm`);
        continue;
      }
      const actual = await hashFile(path, algorithm);
      if (actual !== hex) problems.push(`blobs/${algorithm}/${hex} hashes to ${actual.slice(0, 16)}…, not to its name`);
      else blobs.set(`${algorithm}:${hex}`, info.size);
    }
  }
  return blobs;
}

function hashFile(path: string, algorithm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The blobs a descriptor of index.json needs: its manifest, the manifest's config and layers, its signatures. */
async function blobsNeededBy(root: string, d: Descriptor, where: string, problems: string[]): Promise<{ digest: string; size?: number; what: string }[]> {
  const digest = d.digest as string;
  const needed: { digest: string; size?: number; what: string }[] = [{ digest, size: d.size as number, what: 'manifest' }];
  const signatures = d.annotations?.[SIGNATURES];
  if (typeof signatures === 'string' && signatures !== '') {
    for (const s of signatures.split(',')) needed.push({ digest: s, what: 'signature' });
  }
  const [algorithm, hex] = digest.split(':');
  const bytes = await readFile(join(root, 'blobs', algorithm ?? '', hex ?? '')).catch(() => undefined);
  if (bytes === undefined) return needed;
  let manifest: { config?: Descriptor; layers?: Descriptor[]; manifests?: unknown };
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as typeof manifest;
  } catch {
    problems.push(`${where}: its manifest ${digest} is not JSON`);
    return needed;
  }
  if (manifest.manifests !== undefined) return needed; // an index: its instances need not all be stored
  for (const [i, blob] of [manifest.config, ...(manifest.layers ?? [])].entries()) {
    if (typeof blob?.digest !== 'string') {
      problems.push(`${where}: its manifest ${digest} has a malformed ${i === 0 ? 'config' : `layer ${i - 1}`} descriptor`);
      continue;
    }
    needed.push({ digest: blob.digest, ...(typeof blob.size === 'number' ? { size: blob.size } : {}), what: i === 0 ? 'config' : `layer ${i - 1}` });
  }
  return needed;
}

/** The pid a temp file carries (`<prefix>-<pid>-<random>[.ext]`, or a claim file holding it). */
async function ownerOf(root: string, name: string): Promise<number | undefined> {
  if (name.startsWith('claim-')) {
    const pid = Number(await readFile(join(root, 'tmp', name), 'utf8').catch(() => ''));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }
  const match = /-(\d+)-[0-9a-f]+(\.[a-z]+)?$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** `ingest-<alg>-<hex>`: a partial blob, kept for the next pull to resume; it names its digest, not a process. */
const INGEST = /^ingest-(sha256|sha512)-([0-9a-f]+)$/;

/**
 * tmp/ entries that belong to no live process. A partial blob (`ingest-…`) is kept on purpose, for
 * resuming, so it counts only once its blob is stored (then nothing will resume it).
 */
export async function deadTempFiles(root: string, files: StoreFiles): Promise<string[]> {
  const dead: string[] = [];
  for (const name of files.tmp.keys()) {
    const ingest = INGEST.exec(name);
    if (ingest !== null) {
      if (files.blobs.has(`${ingest[1]}:${ingest[2]}`)) dead.push(`${name} (a partial copy of a stored blob)`);
      continue;
    }
    const pid = await ownerOf(root, name);
    if (pid === undefined) dead.push(`${name} (carries no pid)`);
    else if (!processIsAlive(pid)) dead.push(`${name} (pid ${pid} is gone)`);
  }
  return dead;
}

export interface StoreCheck {
  /** Also require that tmp/ holds nothing of a dead process (after a hoist command ran on the store). */
  noDeadTempFiles?: boolean;
}

/**
 * The whole check: files, then hoist's own view of every name, then skopeo's of every OCI-typed
 * name. Fails the trial with every problem found; returns what the store holds.
 */
export async function checkStore(world: World, root: string, options: StoreCheck = {}): Promise<StoreFiles> {
  const files = await readStoreFiles(root);
  const problems = [...files.problems];
  if (options.noDeadTempFiles) {
    const dead = await deadTempFiles(root, files);
    if (dead.length > 0) problems.push(`tmp/ holds what dead processes left: ${dead.join(', ')}`);
  }
  let evidence: Ran | undefined;
  if (files.names.length > 0 && files.problems.length === 0) {
    evidence = await namesResolve(world, root, files, problems);
    for (const image of files.names.filter((n) => n.mediaType === OCI_MANIFEST)) {
      const skopeo = await run('skopeo', ['inspect', `oci:${root}:${image.name}`], { timeoutMs: 60_000 });
      const digest = skopeo.status === 0 ? (JSON.parse(skopeo.stdout) as { Digest?: string }).Digest : undefined;
      if (digest !== image.manifestDigest)
        problems.push(`skopeo cannot read oci:${root}:${image.name} (${skopeo.status === 0 ? `digest ${digest}` : skopeo.stderr.trim()})`);
    }
  }
  if (problems.length > 0) fail(`store ${root}: ${problems.join('; ')}`, evidence === undefined ? {} : { command: evidence.command, stderr: evidence.stderr });
  return files;
}

/** `hoist images --all` lists every name, and `hoist inspect NAME...` finds each with its ID. */
async function namesResolve(world: World, root: string, files: StoreFiles, problems: string[]): Promise<Ran | undefined> {
  const images = await world.hoist(root, ['images', '--all', '--format', 'json']);
  if (images.status !== 0) {
    problems.push(`hoist images failed: ${images.stderr.trim()}`);
    return images;
  }
  const listed = new Set((JSON.parse(images.stdout) as { Names: string[] }[]).flatMap((i) => i.Names));
  for (const { name } of files.names) if (!listed.has(name)) problems.push(`hoist images does not list ${name}`);
  const inspect = await world.hoist(root, ['inspect', ...files.names.map((n) => n.name)]);
  if (inspect.status !== 0) {
    problems.push(`hoist inspect of the stored names failed: ${inspect.stderr.trim()}`);
    return inspect;
  }
  const found = JSON.parse(inspect.stdout) as { Id: string }[];
  files.names.forEach((image, i) => {
    if (image.id !== undefined && found[i]?.Id !== image.id) problems.push(`hoist inspect ${image.name} gives ID ${found[i]?.Id}, not ${image.id}`);
  });
  return undefined;
}
