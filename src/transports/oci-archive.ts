import type { ChunkSink } from '../io/chunk-sink.js';
import { invalidArchive, TarArchive } from '../archive/index.js';
import type { Descriptor } from '../manifest/index.js';
import type { SourceFiles } from './file-reader.js';
import type { BlobReadOptions, ImageSource, RawManifest } from '../source/image-source.js';
import { layoutBlobPath, openLayout, parseLayoutName, type LayoutName } from './oci-layout.js';
import type { LocalTransport } from './transport.js';

/** The files of an OCI layout inside a tar, served by byte range from the entry table. */
class ArchiveFiles implements SourceFiles {
  constructor(private readonly archive: TarArchive) {}

  get location(): string {
    return this.archive.path;
  }

  readSmall(name: string, maxBytes: number): Promise<Buffer> {
    return this.archive.readSmall(this.archive.file(name), maxBytes);
  }

  async read(name: string, sink: ChunkSink, signal?: AbortSignal): Promise<void> {
    return this.archive.read(this.archive.file(name), sink, signal);
  }

  async exists(name: string): Promise<boolean> {
    return this.archive.has(name);
  }
}

/**
 * Refuses a blob whose entry size disagrees with its descriptor before a byte is copied, so the
 * error names the entry rather than reporting a digest or size mismatch after the fact.
 */
class SizeCheckedSource implements ImageSource {
  constructor(
    private readonly inner: ImageSource,
    private readonly archive: TarArchive,
  ) {}

  get description(): string {
    return this.inner.description;
  }

  getManifest(instanceDigest?: string, options?: BlobReadOptions): Promise<RawManifest> {
    return this.inner.getManifest(instanceDigest, options);
  }

  async readBlob(desc: Descriptor, sink: ChunkSink, options?: BlobReadOptions): Promise<void> {
    const entry = this.archive.file(layoutBlobPath(desc.digest));
    if (entry.size !== desc.size) {
      throw invalidArchive(this.archive.path, `"${entry.name}" holds ${entry.size} bytes, but its descriptor says ${desc.size}`);
    }
    return this.inner.readBlob(desc, sink, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * `oci-archive:PATH[:REF|:@N]` — a tar of an OCI image layout, read in place (never extracted).
 * Selection as for `oci:`; naming by annotations, as libimage does for archives.
 */
export const ociArchiveTransport: LocalTransport<LayoutName, 'oci-archive'> = {
  kind: 'local',
  name: 'oci-archive',
  help: {
    syntax: ['oci-archive:PATH[:REF|:@N]'],
    source: 'a tar of an OCI layout (BuildKit, `skopeo copy … oci-archive:`)',
    naming:
      'its `io.containerd.image.name` annotation, else `org.opencontainers.image.ref.name`, read as an image name (`v1` → `localhost/v1:latest`); none → unnamed',
  },
  parse: (rest) => parseLayoutName('oci-archive', rest),
  async open({ path, description, selector }, context) {
    const archive = await TarArchive.open(path, context);
    try {
      if (!archive.has('index.json')) {
        const hint = archive.has('manifest.json') ? 'it holds a docker archive: use docker-archive: instead' : undefined;
        throw invalidArchive(archive.path, 'the archive has no index.json, so it is not an OCI layout', hint);
      }
      const opened = await openLayout({
        files: new ArchiveFiles(archive),
        description,
        layoutPath: path,
        selector,
        naming: 'annotations',
        onClose: () => archive.close(),
      });
      return { ...opened, source: new SizeCheckedSource(opened.source, archive) };
    } catch (err) {
      await archive.close();
      throw err;
    }
  },
};
