import type { ChunkSink } from '../io/chunk-sink.js';
import { HoistError } from '../errors.js';
import { MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, MAX_SIGNATURES, signatureFromBlob, digestBytes, type Descriptor, type Signature } from '../manifest/index.js';
import { parseDigest } from '../reference/index.js';
import { DirectoryFiles } from './file-reader.js';
import type { ImageSource, RawManifest } from '../source/image-source.js';
import type { LocalName, LocalTransport } from './transport.js';

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
    // An instance is named by the digest it was asked for; the copier checks the bytes against it.
    return { bytes, mediaType: '', digest: instanceDigest ?? digestBytes(bytes) };
  }

  /**
   * skopeo's `signature-N` files (`<hex>.signature-N` for an instance of an index), N = 1, 2, …
   * until one is missing, as containers/image's dir transport numbers them.
   */
  async getSignatures(manifestDigest: string): Promise<Signature[]> {
    const top = (await this.getManifest()).digest;
    const prefix = manifestDigest === top ? '' : `${parseDigest(manifestDigest).hex}.`;
    const signatures: Signature[] = [];
    for (let n = 1; await this.files.exists(`${prefix}signature-${n}`); n++) {
      if (n > MAX_SIGNATURES)
        throw new HoistError('INVALID_SOURCE', `${this.description}: more than ${MAX_SIGNATURES} signatures, assuming that's unreasonable`);
      const name = `${prefix}signature-${n}`;
      signatures.push(signatureFromBlob(await this.files.readSmall(name, MAX_SIGNATURE_BYTES), `${this.description}: ${name}`));
    }
    return signatures;
  }

  readBlob(desc: Descriptor, sink: ChunkSink, options?: { signal?: AbortSignal }): Promise<void> {
    return this.files.read(dirBlobName(desc.digest), sink, options?.signal);
  }

  async close(): Promise<void> {}
}

/** `dir:PATH` — skopeo's directory format. The image stays unnamed (known by its ID). */
export const dirTransport: LocalTransport<LocalName, 'dir'> = {
  kind: 'local',
  name: 'dir',
  help: { syntax: ['dir:PATH'], source: "skopeo's `dir:` format", naming: 'none: the image is known by its ID' },
  // The whole rest is the path, colons included, as in containers/image's dir transport.
  parse: (path) => ({ path, description: `dir:${path}` }),
  async open({ path, description }) {
    const files = new DirectoryFiles(path);
    if (await files.exists('version')) {
      const version = (await files.readSmall('version', 1024)).toString('utf8').trim();
      if (!supportedVersions.has(version)) {
        throw new HoistError('INVALID_SOURCE', `${description}: unsupported directory format "${version}"`);
      }
    }
    const source = new DirSource(description, files);
    await source.getManifest(); // fail early, with a clear message, on a missing or unreadable manifest.json
    return { source, names: [], selection: { listing: 'manifest.json', chosenBy: 'the only image' } };
  },
};
