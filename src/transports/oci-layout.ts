import { basename, resolve } from 'node:path';
import { HoistError, quoted } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import { MAX_MANIFEST_BYTES, validateDescriptor, type Descriptor } from '../manifest/index.js';
import { localImageName, parseDigest } from '../reference/index.js';
import { parseJsonObject } from '../untrusted-json.js';
import type { SourceFiles } from './file-reader.js';
import { parsePosition, splitPathAndReference } from './local-name.js';
import type { ImageSource, PinnedManifest, RawManifest } from '../source/image-source.js';
import type { LocalName, OpenedLocalSource } from './transport.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

/** Blob path inside a layout; the digest is validated first so it can never name another path. */
export function layoutBlobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/** Which image of a layout: `REF` (by ref.name annotation), `@N` (position), or the only one. */
export type LayoutSelector = { ref: string } | { position: number } | undefined;

/** containers/image's refRegexp (oci/internal/oci_util.go): the image-spec's grammar of a ref name. */
const REF_COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_GRAMMAR = new RegExp(`^${REF_COMPONENT}(?:/${REF_COMPONENT})*$`);

/** Parses `:REF` / `:@N` of `oci:` and `oci-archive:` before anything is opened. */
export function parseLayoutSelector(ref: string | undefined, description: string): LayoutSelector {
  if (ref === undefined) return undefined;
  const position = parsePosition(ref, description);
  if (position !== undefined) return { position };
  if (!REF_GRAMMAR.test(ref)) {
    throw new HoistError(
      'INVALID_REFERENCE',
      `${description}: invalid ref name ${quoted(ref)}: expected letters and digits, joined by . _ - : @ + or / (the OCI image-spec's ref.name grammar)`,
    );
  }
  return { ref };
}

export interface LayoutName extends LocalName {
  selector: LayoutSelector;
}

/** Parses `PATH[:REF|:@N]` of a layout transport (`oci:`, `oci-archive:`), the selector included. */
export function parseLayoutName(transport: string, rest: string): LayoutName {
  const { path, ref } = splitPathAndReference(rest);
  const description = `${transport}:${rest}`;
  return { path, description, selector: parseLayoutSelector(ref, description) };
}

/** Reads and validates a layout's index.json. */
async function readLayoutIndex(files: SourceFiles, description: string): Promise<Descriptor[]> {
  const bytes = await files.readSmall('index.json', MAX_MANIFEST_BYTES);
  const { manifests } = parseJsonObject(bytes, (p) =>
    p.problem === 'syntax'
      ? new HoistError('INVALID_SOURCE', `${description}: index.json is not valid JSON: ${p.message}`)
      : new HoistError('INVALID_SOURCE', `${description}: index.json has no "manifests" list`),
  );
  if (!Array.isArray(manifests)) throw new HoistError('INVALID_SOURCE', `${description}: index.json has no "manifests" list`);
  return manifests.map((d, i) => validateDescriptor(d, `${description}: index.json manifests[${i}]`));
}

function describeEntries(entries: readonly Descriptor[]): string {
  return entries.map((d, i) => `@${i}: ${d.annotations?.[REF_NAME] ?? '(no name)'} ${d.digest}`).join('; ');
}

interface SelectedEntry {
  entry: Descriptor;
  position: number;
}

function selectEntry(entries: readonly Descriptor[], selector: LayoutSelector, description: string): SelectedEntry {
  if (selector === undefined) {
    if (entries.length === 1) return { entry: entries[0]!, position: 0 };
    if (entries.length === 0) throw new HoistError('INVALID_SOURCE', `${description}: the layout holds no images`);
    throw new HoistError('INVALID_SOURCE', `${description}: the layout holds ${entries.length} images, choose one`, {
      hint: `append :NAME or :@N to the path — ${describeEntries(entries)}`,
    });
  }
  if ('position' in selector) {
    const entry = entries[selector.position];
    if (entry === undefined)
      throw new HoistError('INVALID_SOURCE', `${description}: no image at position @${selector.position} (the layout holds ${entries.length})`);
    return { entry, position: selector.position };
  }
  const positions = [...entries.keys()].filter((i) => entries[i]!.annotations?.[REF_NAME] === selector.ref);
  if (positions.length === 1) return { entry: entries[positions[0]!]!, position: positions[0]! };
  if (positions.length > 1) throw new HoistError('INVALID_SOURCE', `${description}: more than one image is named "${selector.ref}"`);
  throw new HoistError('IMAGE_NOT_KNOWN', `${description}: no image named "${selector.ref}" in the layout`, {
    hint: entries.length > 0 ? `the layout holds: ${describeEntries(entries)}` : 'the layout holds no images',
  });
}

/**
 * Names an image from an OCI layout. A REF that reads as an image reference names it (short
 * names under `localhost/`); a bare tag-like REF names it `localhost/<layout dir>:<REF>`;
 * no REF leaves it unnamed.
 */
export function layoutRefName(ref: string, layoutPath: string): string {
  if (/[/:@]/.test(ref)) return localImageName(ref);
  const directory = basename(resolve(layoutPath));
  try {
    return localImageName(`${directory}:${ref}`);
  } catch (err) {
    throw new HoistError('INVALID_REFERENCE', `cannot name the image after the layout directory "${directory}": ${(err as Error).message}`, {
      hint: `rename the directory in lowercase, or pull the image by position (:@N) and name it with hoist tag`,
    });
  }
}

/**
 * Annotation-based naming as libimage does for archives: BuildKit's containerd name first, then
 * the ref name, each read as an image name (`v1` → `localhost/v1:latest`).
 */
function annotatedName(entry: Descriptor): string | undefined {
  const name = entry.annotations?.[CONTAINERD_NAME] ?? entry.annotations?.[REF_NAME];
  return name === undefined ? undefined : localImageName(name);
}

/** An ImageSource over the blobs of an OCI layout, starting at one index.json entry. */
class LayoutSource implements ImageSource {
  constructor(
    readonly description: string,
    private readonly files: SourceFiles,
    private readonly entry: Descriptor,
    private readonly onClose: () => Promise<void>,
  ) {}

  /** index.json's entry pins the top-level manifest, size included: the copier checks both. */
  get pinned(): PinnedManifest {
    return { digest: this.entry.digest, size: this.entry.size, declaredBy: "index.json's entry for" };
  }

  /** The blob file named by the digest; whether its bytes are that digest is the copier's check. */
  async getManifest(instanceDigest?: string): Promise<RawManifest> {
    const digest = instanceDigest ?? this.entry.digest;
    const bytes = await this.files.readSmall(layoutBlobPath(digest), MAX_MANIFEST_BYTES);
    const mediaType = instanceDigest === undefined ? this.entry.mediaType : '';
    return { bytes, mediaType, digest };
  }

  readBlob(desc: Descriptor, sink: ChunkSink, options?: { signal?: AbortSignal }): Promise<void> {
    return this.files.read(layoutBlobPath(desc.digest), sink, options?.signal);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

export interface LayoutOpenOptions {
  files: SourceFiles;
  description: string;
  /** The path the user gave, for naming by directory. */
  layoutPath: string;
  selector: LayoutSelector;
  /** How the chosen image is named. */
  naming: 'ref' | 'annotations';
  onClose?: () => Promise<void>;
}

function chosenBy(selector: LayoutSelector): string {
  if (selector === undefined) return 'the only image';
  return 'position' in selector ? `position @${selector.position}` : `ref name ${quoted(selector.ref)}`;
}

/** Opens the selected image of an OCI layout (a directory, or a tar read in place). */
export async function openLayout(options: LayoutOpenOptions): Promise<OpenedLocalSource> {
  const { files, description, layoutPath, selector } = options;
  const { entry, position } = selectEntry(await readLayoutIndex(files, description), selector, description);
  const source = new LayoutSource(description, files, entry, options.onClose ?? (async () => undefined));
  let name: string | undefined;
  if (options.naming === 'annotations') name = annotatedName(entry);
  else if (selector !== undefined && 'ref' in selector) name = layoutRefName(selector.ref, layoutPath);
  const refName = entry.annotations?.[REF_NAME];
  return {
    source,
    names: name === undefined ? [] : [name],
    selection: { listing: 'index.json', chosenBy: chosenBy(selector), position, ...(refName !== undefined ? { refName } : {}) },
  };
}
