import { invalidArchive, TarArchive, type TarEntry } from '../archive/index.js';
import { HoistError } from '../errors.js';
import type { ChunkSink } from '../io/chunk-sink.js';
import type { Descriptor } from '../manifest/index.js';
import { resolveArchiveImage, type ArchiveImage } from './docker-archive-image.js';
import { MAX_ARCHIVE_MANIFEST_BYTES, parseArchiveManifest } from './docker-archive-manifest.js';
import { parseArchiveSelector, selectArchiveImage, type ArchiveSelector } from './docker-archive-select.js';
import { synthesizeManifest, type SynthesizedManifest } from './docker-archive-synthesize.js';
import type { BlobReadOptions, ImageSource, RawManifest } from '../source/image-source.js';
import { splitPathAndReference } from './local-name.js';
import type { LocalName, LocalTransport } from './transport.js';

/** One image of a docker archive, read in place. */
class DockerArchiveSource implements ImageSource {
  #manifest: Promise<SynthesizedManifest> | undefined;

  constructor(
    readonly description: string,
    private readonly archive: TarArchive,
    private readonly image: ArchiveImage,
  ) {}

  /** The manifest is built once (hashing compressed layers); a failed attempt is not remembered. */
  #synthesized(signal?: AbortSignal): Promise<SynthesizedManifest> {
    this.#manifest ??= synthesizeManifest(this.archive, this.image, signal).catch((err: unknown) => {
      this.#manifest = undefined;
      throw err;
    });
    return this.#manifest;
  }

  async getManifest(instanceDigest?: string, options?: BlobReadOptions): Promise<RawManifest> {
    const { raw } = await this.#synthesized(options?.signal);
    if (instanceDigest !== undefined && instanceDigest !== raw.digest) {
      throw new HoistError('INVALID_SOURCE', `${this.description}: a docker archive holds no manifest lists (asked for ${instanceDigest})`);
    }
    return raw;
  }

  async readBlob(desc: Descriptor, sink: ChunkSink, options?: BlobReadOptions): Promise<void> {
    if (desc.digest === this.image.config.digest) return sink(this.image.config.bytes);
    const entry = (await this.#synthesized(options?.signal)).layerEntries.get(desc.digest);
    if (entry === undefined) throw new HoistError('BLOB_UNKNOWN', `${this.description}: the image has no blob ${desc.digest}`);
    return this.archive.read(entry, sink, options?.signal);
  }

  close(): Promise<void> {
    return this.archive.close();
  }
}

function archiveManifestEntry(archive: TarArchive): TarEntry {
  if (archive.has('manifest.json')) return archive.file('manifest.json');
  const hint = archive.has('index.json')
    ? 'it holds an OCI layout: use oci-archive: instead'
    : 'docker save has written manifest.json since Docker 1.10; older archives are not supported';
  throw invalidArchive(archive.path, 'the archive has no manifest.json', hint);
}

export interface DockerArchiveName extends LocalName {
  selector: ArchiveSelector;
}

function chosenBy(selector: ArchiveSelector): string {
  if (selector === undefined) return 'the only image';
  return 'position' in selector ? `position @${selector.position}` : `tag ${selector.tag}`;
}

/**
 * `docker-archive:PATH[:NAME[:TAG]|:@N]` — what `docker save`, `podman save` and skopeo write,
 * plain or gzip-compressed. The image is named by its RepoTags (see selectArchiveImage).
 */
export const dockerArchiveTransport: LocalTransport<DockerArchiveName, 'docker-archive'> = {
  kind: 'local',
  name: 'docker-archive',
  help: {
    syntax: ['docker-archive:PATH[:NAME[:TAG]|:@N]'],
    source: 'a `docker save` / `podman save` tarball, plain or gzip-compressed',
    naming:
      'its `RepoTags`: a name without a registry goes under `localhost/`, docker.io names are expanded, `:latest` is added; with `:NAME` only that tag; no tags → unnamed',
  },
  parse(rest) {
    const { path, ref } = splitPathAndReference(rest);
    const description = `docker-archive:${rest}`;
    return { path, description, selector: parseArchiveSelector(ref, description) };
  },
  async open({ path, description, selector }, context) {
    const archive = await TarArchive.open(path, context);
    try {
      const manifestJson = await archive.readSmall(archiveManifestEntry(archive), MAX_ARCHIVE_MANIFEST_BYTES);
      const { item, position, names } = selectArchiveImage(parseArchiveManifest(manifestJson, archive.path), selector, description);
      const image = await resolveArchiveImage(archive, item);
      const selection = { listing: 'manifest.json', chosenBy: chosenBy(selector), position, repoTags: item.repoTags, configEntry: item.config };
      return { source: new DockerArchiveSource(description, archive, image), names, selection };
    } catch (err) {
      await archive.close();
      throw err;
    }
  },
};
