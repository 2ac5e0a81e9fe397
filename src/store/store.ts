import { open, readFile, rm, stat } from 'node:fs/promises';
import { HoistError, isHoistError } from '../errors.js';
import {
  MAX_MANIFEST_BYTES,
  parseImageConfig,
  parseManifest,
  signatureFromBlob,
  verifyBytes,
  type ImageConfig,
  type ParsedImageManifest,
  type Signature,
} from '../manifest/index.js';
import { localImageName } from '../reference/index.js';
import { blobExists, writeBlob, writeSmallBlob, type BlobReader, type BlobWriteOptions, type BlobWriteResult } from './blob-writer.js';
import { blobsOf, collectGarbage, markInFlight } from './gc.js';
import { initLayout, StorePaths } from './layout.js';
import { withStoreLock } from './lock.js';
import { describeImage, type ImageInfo } from './describe.js';
import type { ImageStore, RemoveOptions, RemoveResult } from './image-store.js';
import { lookupImage, type LocalSearch, type LookupMatch } from './lookup.js';
import { indexWithRecords, readIndex, recordsFromIndex, writeIndex, type ImageRecord } from './records.js';
import { storeFullError } from './store-full.js';
import { reclaimTmp } from './tmp-files.js';
import type { ExpectedBlob } from './verifying-sink.js';

/** A copied image before it is recorded: `indexDigest` is the index it was chosen from, if any, a fact of the names it is given. */
export type NewImage = Omit<ImageRecord, 'names' | 'pulled' | 'indexDigests'> & { indexDigest?: string };

/**
 * The local image store: an OCI image layout whose index.json names images by full reference.
 * Blobs need no lock (content-addressed renames are idempotent); image records change only under
 * the store lock.
 */
export class Store implements ImageStore {
  readonly paths: StorePaths;

  private constructor(root: string) {
    this.paths = new StorePaths(root);
  }

  static async open(root: string): Promise<Store> {
    const store = new Store(root);
    try {
      await initLayout(store.paths);
    } catch (err) {
      throw new HoistError('STORE_CORRUPT', `cannot open image store ${root}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  get root(): string {
    return this.paths.root;
  }

  hasBlob(digest: string): Promise<boolean> {
    return blobExists(this.paths, digest);
  }

  writeBlob(expected: ExpectedBlob, read: BlobReader, options?: BlobWriteOptions): Promise<BlobWriteResult> {
    return this.#writing(() => writeBlob(this.paths, expected, read, options));
  }

  writeSmallBlob(digest: string, bytes: Buffer): Promise<void> {
    return this.#writing(() => writeSmallBlob(this.paths, digest, bytes));
  }

  /** Runs a write into the store, turning a full disk into an error that names the store. */
  async #writing<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      throw storeFullError(err, this.root);
    }
  }

  /** The stored signature blobs of an image, in the order they were accepted. */
  async signaturesOf(record: Pick<ImageRecord, 'signatures'>): Promise<Signature[]> {
    return Promise.all(
      (record.signatures ?? []).map(async (digest) => {
        const bytes = await this.readSmallBlob(digest);
        verifyBytes(bytes, digest, `stored signature ${digest}`);
        return signatureFromBlob(bytes, `stored signature ${digest}`);
      }),
    );
  }

  /** Reads a manifest- or config-sized blob; larger ones are refused rather than buffered. */
  async readSmallBlob(digest: string): Promise<Buffer> {
    const path = this.paths.blob(digest);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new HoistError('STORE_CORRUPT', `blob ${digest} is missing from the image store`, { cause: err });
    });
    if (info.size > MAX_MANIFEST_BYTES) throw new HoistError('STORE_CORRUPT', `blob ${digest} is too large to be a manifest or config`);
    return readFile(path);
  }

  async images(): Promise<ImageRecord[]> {
    return recordsFromIndex(await readIndex(this.paths));
  }

  async lookup(input: string, search: LocalSearch = {}): Promise<ImageRecord | undefined> {
    return (await this.lookupMatch(input, search))?.record;
  }

  /** Like lookup, also telling which stored name matched (none for an ID or digest match). */
  async lookupMatch(input: string, search: LocalSearch = {}): Promise<LookupMatch | undefined> {
    return lookupImage(await this.images(), input, search);
  }

  async manifestOf(record: Pick<ImageRecord, 'id' | 'manifestDigest' | 'manifestMediaType'>): Promise<ParsedImageManifest> {
    const parsed = parseManifest(await this.readSmallBlob(record.manifestDigest), record.manifestMediaType, `stored image ${record.id}`);
    if (parsed.kind !== 'manifest') throw new HoistError('STORE_CORRUPT', `stored image ${record.id} points at an index, not a manifest`);
    return parsed;
  }

  async configOf(record: ImageRecord): Promise<ImageConfig> {
    return parseImageConfig(await this.readSmallBlob(record.configDigest), `stored image ${record.id}`);
  }

  /**
   * True when every blob of the image is present with the size its manifest declares. Sizes, not
   * hashes: a check that must stay cheap enough for `--policy=missing` on every run.
   */
  async isComplete(record: ImageRecord): Promise<boolean> {
    return (await this.#damagedBlobs(record)).length === 0;
  }

  /** Removes the image's blobs whose size is wrong, so the next copy fetches them again. */
  async discardDamagedBlobs(record: ImageRecord): Promise<void> {
    const damaged = await this.#damagedBlobs(record);
    await Promise.all(damaged.map((digest) => rm(this.paths.blob(digest), { force: true })));
  }

  async #damagedBlobs(record: ImageRecord): Promise<string[]> {
    let wanted: { digest: string; size: number }[];
    try {
      const manifest = await this.manifestOf(record);
      wanted = [manifest.config, ...manifest.layers];
    } catch {
      return [record.manifestDigest];
    }
    const sizes = await Promise.all(
      wanted.map((d) =>
        stat(this.paths.blob(d.digest)).then(
          (s) => s.size,
          () => -1,
        ),
      ),
    );
    return wanted.filter((d, i) => sizes[i] !== d.size).map((d) => d.digest);
  }

  /**
   * Protects the blobs of a pull in progress from a concurrent rmi until the returned function
   * runs: call it before checking which blobs are present, and end it after commitImage. Every
   * pull that copies comes here first, so it is also where what killed pulls left in tmp/ goes
   * (their partial blobs stay a day, for resuming).
   */
  async markInFlight(digests: readonly string[]): Promise<() => Promise<void>> {
    await reclaimTmp(this.paths, { partialBlobs: 'stale' });
    return this.#writing(() => withStoreLock(this.paths, () => markInFlight(this.paths, digests)));
  }

  /**
   * Records a copied image under `names` (full references). A name that pointed elsewhere moves;
   * the image it left keeps its other names or stays dangling. Fails if a blob went missing.
   */
  async commitImage(image: NewImage, names: readonly string[]): Promise<ImageRecord> {
    return this.#writing(() =>
      withStoreLock(this.paths, async () => {
        const index = await readIndex(this.paths);
        const records = recordsFromIndex(index);
        const { indexDigest, ...facts } = image;
        const record: ImageRecord = { ...facts, names: [], indexDigests: {}, pulled: new Date().toISOString() };
        const missing = await this.#missingBlobs(record);
        if (missing.length > 0) {
          throw new HoistError('STORE_CORRUPT', `cannot record image ${image.id}: blob ${missing[0]} vanished from the store`, {
            hint: 'another process removed it meanwhile; pull again',
          });
        }
        const updated = moveNames(records, record, names, indexDigest);
        await writeIndex(this.paths, indexWithRecords(index, updated));
        return updated.find((r) => r.manifestDigest === record.manifestDigest)!;
      }),
    );
  }

  async #missingBlobs(record: ImageRecord): Promise<string[]> {
    const digests = await blobsOf(this.paths, record);
    const present = await Promise.all(digests.map((d) => this.hasBlob(d)));
    return digests.filter((_, i) => !present[i]);
  }

  /** Adds names to an existing image (`hoist tag`). */
  async tag(input: string, targets: readonly string[], search: LocalSearch = {}): Promise<ImageRecord> {
    const names = targets.map(localImageName);
    return withStoreLock(this.paths, async () => {
      const index = await readIndex(this.paths);
      const records = recordsFromIndex(index);
      const { record } = requireImage(records, input, search);
      const updated = moveNames(records, record, names);
      await writeIndex(this.paths, indexWithRecords(index, updated));
      return updated.find((r) => r.manifestDigest === record.manifestDigest)!;
    });
  }

  /**
   * `rmi`, name by name as Podman's RemoveImages: a name given removes that name only while the
   * image has others; an ID (or the last name) removes the image, which needs `force` if it still
   * has several names. An image is all the records of its ID (one image stored from two manifest
   * formats is one image). `all` removes every image. A name that fails goes into `errors` and the
   * rest are still removed; `force` skips names that match no image. Blobs no longer referenced are
   * collected.
   */
  async remove(inputs: readonly string[], options: RemoveOptions = {}): Promise<RemoveResult> {
    return withStoreLock(this.paths, async () => {
      const index = await readIndex(this.paths);
      let records = recordsFromIndex(index);
      const result: RemoveResult = { untagged: [], deleted: [], errors: [] };
      const removeImage = (id: string) => {
        const image = records.filter((r) => r.id === id);
        result.untagged.push(...image.flatMap((r) => r.names));
        result.deleted.push(id);
        records = records.filter((r) => r.id !== id);
      };
      if (options.all) for (const id of new Set(records.map((r) => r.id))) removeImage(id);
      for (const input of inputs) {
        let match: LookupMatch;
        try {
          match = requireImage(records, input, options.search);
        } catch (err) {
          if (!(options.force && isHoistError(err, 'IMAGE_NOT_KNOWN'))) result.errors.push(err as Error);
          continue;
        }
        const { record, name } = match;
        const names = records.filter((r) => r.id === record.id).flatMap((r) => r.names);
        if (name !== undefined && names.length > 1) {
          record.names = record.names.filter((n) => n !== name);
          result.untagged.push(name);
        } else if (name === undefined && names.length > 1 && !options.force) {
          result.errors.push(
            new HoistError('IMAGE_IN_USE', `unable to delete image "${record.id}" by ID with more than one tag (${names.join(', ')})`, {
              hint: 'please force removal with --force',
            }),
          );
        } else {
          removeImage(record.id);
        }
      }
      // An rmi that removed nothing leaves the store as it was, as a failed one always did.
      if (result.untagged.length === 0 && result.deleted.length === 0) return result;
      await writeIndex(this.paths, indexWithRecords(index, records));
      await collectGarbage(this.paths, records);
      return result;
    });
  }

  /** `image prune`: dangling images (no name in any record of their ID), or with `all` every image. */
  async prune(options: { all?: boolean } = {}): Promise<string[]> {
    return withStoreLock(this.paths, async () => {
      const index = await readIndex(this.paths);
      const records = recordsFromIndex(index);
      const named = new Set(records.filter((r) => r.names.length > 0).map((r) => r.id));
      const pruned = [...new Set(records.map((r) => r.id))].filter((id) => options.all || !named.has(id));
      const kept = records.filter((r) => !pruned.includes(r.id));
      await writeIndex(this.paths, indexWithRecords(index, kept));
      await collectGarbage(this.paths, kept);
      return pruned;
    });
  }

  /** Appends one JSON line to the store's events log. */
  async appendEvent(event: Record<string, unknown>): Promise<void> {
    const fh = await open(this.paths.events, 'a', 0o644);
    try {
      await fh.appendFile(`${JSON.stringify(event)}\n`);
    } finally {
      await fh.close();
    }
  }

  /** What `inspect` shows of the image `input` names (IMAGE_NOT_KNOWN when none). */
  async inspect(input: string, search: LocalSearch = {}): Promise<ImageInfo> {
    return describeImage(this, requireImage(await this.images(), input, search).record);
  }

  async readEvents(): Promise<Record<string, unknown>[]> {
    const text = await readFile(this.paths.events, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return []; // a line cut short by a crash is skipped, not fatal
        }
      });
  }
}

/**
 * Signatures are facts about the manifest: those verified for one name stay when the same manifest
 * is pulled under another (each names the identity it was signed for).
 */
function mergedSignatures(existing: ImageRecord, target: ImageRecord): Pick<ImageRecord, 'signatures'> {
  const all = [...new Set([...(existing.signatures ?? []), ...(target.signatures ?? [])])];
  return all.length > 0 ? { signatures: all } : {};
}

function withoutNames(indexDigests: Record<string, string>, names: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(indexDigests).filter(([name]) => !names.has(name)));
}

function requireImage(records: readonly ImageRecord[], input: string, search: LocalSearch = {}): LookupMatch {
  const match = lookupImage(records, input, search);
  if (match === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`);
  return match;
}

/**
 * Gives `names` to `target` (merged with an existing record of the same manifest), taking them from
 * any other image. The names moved get `indexDigest` (or none); the names already there keep theirs.
 */
function moveNames(records: readonly ImageRecord[], target: ImageRecord, names: readonly string[], indexDigest?: string): ImageRecord[] {
  const moving = new Set(names);
  const existing = records.find((r) => r.manifestDigest === target.manifestDigest);
  const merged: ImageRecord =
    existing === undefined
      ? { ...target }
      : { ...existing, ...target, names: existing.names, indexDigests: existing.indexDigests, ...mergedSignatures(existing, target) };
  merged.names = [...merged.names.filter((n) => !moving.has(n)), ...moving];
  merged.indexDigests = withoutNames(merged.indexDigests, moving);
  if (indexDigest !== undefined) for (const name of moving) merged.indexDigests[name] = indexDigest;
  const others = records
    .filter((r) => r !== existing)
    .map((r) => ({ ...r, names: r.names.filter((n) => !moving.has(n)), indexDigests: withoutNames(r.indexDigests, moving) }));
  return existing === undefined
    ? [...others, merged]
    : records.map((r) => (r === existing ? merged : others.find((o) => o.manifestDigest === r.manifestDigest)!));
}
