import type { ChunkSink } from '../io/chunk-sink.js';
import { HoistError } from '../errors.js';
import { MAX_MANIFEST_BYTES, verifyBytes, digestBytes, type Descriptor } from '../manifest/index.js';
import { parseDigest } from '../reference/index.js';
import { DirectoryFiles } from './file-reader.js';
import type { ImageSource, RawManifest } from './image-source.js';
import type { LocalTransport } from './transport.js';

/** skopeo's `dir:` format names sha256 blobs by bare hex, other algorithms as `alg-hex`. */
function dirBlobName(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return algorithm === 'sha256' ? hex : `${algorithm}-${hex}`;
}

const supportedVersions = new Set(['Directory Transport Version: 1.0', 'Directory Transport Version: 1.1']);

class DirSource implements ImageSource {
  constructor(
    readonly description: string,
    private readonly files: DirectoryFiles,
  ) {}

  async getManifest(instanceDigest?: string): Promise<RawManifest> {
    const name = instanceDigest === undefined ? 'manifest.json' : `${dirBlobName(instanceDigest)}.manifest.json`;
    const bytes = await this.files.readSmall(name, MAX_MANIFEST_BYTES);
    if (instanceDigest !== undefined) verifyBytes(bytes, instanceDigest, `manifest in ${this.description}`);
    return { bytes, mediaType: '', digest: instanceDigest ?? digestBytes(bytes) };
  }

  readBlob(desc: Descriptor, sink: ChunkSink, options?: { signal?: AbortSignal }): Promise<void> {
    return this.files.read(dirBlobName(desc.digest), sink, options?.signal);
  }

  async close(): Promise<void> {}
}

/** `dir:PATH` — skopeo's directory format. The image stays unnamed (known by its ID). */
export const dirTransport: LocalTransport = {
  name: 'dir',
  async open(path) {
    const files = new DirectoryFiles(path);
    const description = `dir:${path}`;
    if (await files.exists('version')) {
      const version = (await files.readSmall('version', 1024)).toString('utf8').trim();
      if (!supportedVersions.has(version)) {
        throw new HoistError('INVALID_SOURCE', `${description}: unsupported directory format "${version}"`);
      }
    }
    const source = new DirSource(description, files);
    await source.getManifest(); // fail early, with a clear message, on a missing or unreadable manifest.json
    return { source, names: [] };
  },
};
