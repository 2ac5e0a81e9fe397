import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { blobOf, manifestOf, OCI_CONFIG, OCI_LAYER_GZIP, sha256, writeOciLayout, type Blob } from './images.js';
import { sh } from './umoci.js';

/**
 * An OCI layout whose layers GNU tar wrote from real files (as root: owners, setuid, fractional
 * mtimes): the first layer in GNU format (././@LongLink names), the second in PAX format (a
 * whiteout, a file replaced under its lower-layer hardlink, a directory's new mode). A second
 * writer beside umoci's Go archive/tar, for the skopeo and zstd interop tests.
 */
const STAGE_GNU = [
  'mkdir -p etc usr/bin usr/sbin var/cache home/user',
  'echo "ID=fixture" > etc/os-release',
  'echo "root:*:19000::::::" > etc/shadow && chown 0:42 etc/shadow && chmod 0640 etc/shadow',
  "printf '\\177ELF tool\\n' > usr/bin/tool && chmod 0755 usr/bin/tool && ln usr/bin/tool usr/bin/tool-link",
  'echo ping > usr/sbin/ping && chmod 4755 usr/sbin/ping',
  'chown 100:101 var/cache && chmod 0700 var/cache',
  'echo "export PS1" > home/user/.profile && chown -R 1000:1000 home/user && chmod 0750 home/user',
  'long=usr/share/a-directory-name-that-is-long-enough/and-another-level-that-is-also-quite-long',
  'mkdir -p "$long" && echo deep > "$long/a-file-name-past-one-hundred-bytes.txt"',
  'ln -s "/$long/a-file-name-past-one-hundred-bytes.txt" usr/share/long-link',
  // GNU format keeps whole seconds; fixed times make both unpackers' mtimes comparable to the header.
  'find . -exec touch -h -d @1700000000 {} +',
];

const STAGE_PAX = [
  'mkdir -p etc usr/bin home/user',
  ': > etc/.wh.shadow',
  "printf '\\177ELF tool v2\\n' > usr/bin/tool && chmod 0755 usr/bin/tool",
  'chown 1000:1000 home/user && chmod 0700 home/user',
  'echo fraction > etc/fraction',
  // PAX records keep the nanoseconds.
  'find . -exec touch -h -d @1700000100.123456789 {} +',
];

async function layerTar(dir: string, name: string, format: 'gnu' | 'pax', script: readonly string[]): Promise<Buffer> {
  const staging = join(dir, `staging-${name}`);
  const file = join(dir, `${name}.tar`);
  await sh(dir, [`mkdir -p '${staging}'`, `cd '${staging}'`, ...script, `tar --format=${format} --numeric-owner --sort=name -cf '${file}' .`]);
  return readFile(file);
}

export interface GnuTarImage {
  layout: string;
  tag: string;
  config: Blob;
  layers: Blob[];
  /** The uncompressed layer tars, in order. */
  tars: Buffer[];
}

/** Writes the image as `dir`/gnu-layout:v1 (gzip layers), built by GNU tar. */
export async function buildGnuTarImage(dir: string): Promise<GnuTarImage> {
  await mkdir(dir, { recursive: true });
  const tars = [await layerTar(dir, 'gnu', 'gnu', STAGE_GNU), await layerTar(dir, 'pax', 'pax', STAGE_PAX)];
  const layers = tars.map((t) => blobOf(gzipSync(t), OCI_LAYER_GZIP));
  const config = blobOf(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T03:04:05Z',
      config: { Env: ['PATH=/usr/sbin:/usr/bin', 'LANG=C.UTF-8'], Entrypoint: ['/usr/bin/tool'], Cmd: ['--help'], WorkingDir: '/home/user', User: '1000' },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
    }),
    OCI_CONFIG,
  );
  const manifest = manifestOf(config, layers);
  const layout = join(dir, 'gnu-layout');
  await writeOciLayout(layout, [{ top: manifest, refName: 'v1' }], [manifest, config, ...layers]);
  return { layout, tag: 'v1', config, layers, tars };
}
