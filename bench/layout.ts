import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { document, type GeneratedImage } from './generate/images.js';

/**
 * The generated image as an OCI image layout on disk, the source the unpack scenarios start from
 * (umoci reads nothing else). The large image is generated in Docker's format under a manifest
 * list; umoci unpacks OCI manifests only, so the layout holds an OCI manifest of the same config
 * and layer blobs: the image ID stays the config digest.
 */
export const LAYOUT_TAG = 'latest';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export async function writeOciLayout(image: GeneratedImage, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const blob = (digest: string) => join(blobs, digest.slice('sha256:'.length));
  // Hard links where the cache is on the same file system: 300 MB need not be copied per run.
  for (const layer of image.layers) await link(layer.path, blob(layer.digest)).catch(() => copyFile(layer.path, blob(layer.digest)));
  const manifest = document(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: image.config.digest, size: image.config.size },
    layers: image.layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
  });
  await writeFile(blob(image.config.digest), image.config.data);
  await writeFile(blob(manifest.digest), manifest.data);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const descriptor = {
    mediaType: OCI_MANIFEST,
    digest: manifest.digest,
    size: manifest.size,
    annotations: { 'org.opencontainers.image.ref.name': LAYOUT_TAG },
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [descriptor] }));
}
