import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRequired, type RunResult } from './cli.js';

/**
 * Images written by umoci itself (init, new, config, unpack → change the rootfs → repack), plus a
 * layer written by GNU tar and added verbatim with `umoci raw add-layer`, for comparing hoist's
 * unpack with `umoci unpack` of the very same bytes. Needs root: the rootfs holds files of other
 * owners, setuid files and a device node.
 */
export function runUmoci(args: readonly string[]): Promise<RunResult> {
  return runRequired('umoci', args, 'the unpack interop tests need it (apt-get install umoci; scripts/install-test-deps installs it)');
}

/** Runs a shell script (`set -eu`) in `cwd`, failing the test with its stderr. */
export function sh(cwd: string, lines: readonly string[]): Promise<RunResult> {
  return runRequired('sh', ['-euc', lines.join('\n')], 'a POSIX shell is needed', { cwd });
}

/** The image config umoci writes for the fixture (`umoci config`), and what a runtime config is built from. */
export const UMOCI_CONFIG = {
  entrypoint: ['/usr/bin/app', '--serve'],
  cmd: ['--port=80', 'with space'],
  env: ['FOO=bar', 'EMPTY='],
  workingDir: '/srv',
  user: '1000:1001',
  labels: { 'org.example.fixture': 'umoci', 'org.example.multi': 'a b' },
  author: 'hoist tests',
  exposedPorts: ['80/tcp', '53/udp'],
  stopSignal: 'SIGQUIT',
  volumes: ['/data', '/var/cache/app'],
};

/**
 * The first changed layer: every kind of entry a rootfs has. Paths are relative to the rootfs.
 * Each line says why it is there when that is not plain.
 */
const FIRST_LAYER = [
  'mkdir -p etc usr/bin usr/lib usr/share/doc var/lib/gone/sub opt/replace srv run dev tmp',
  'echo hello > etc/hello',
  ': > etc/empty',
  // Setuid, setgid and sticky bits must survive the chown that precedes chmod.
  "printf '#!/bin/sh\\n' > usr/bin/su && chmod 4755 usr/bin/su",
  'echo setgid > etc/setgid && chmod 2755 etc/setgid',
  'chmod 1777 tmp',
  'echo owned > usr/bin/suid-owned && chown 7:7 usr/bin/suid-owned && chmod 4750 usr/bin/suid-owned',
  'chown 1000:1001 srv && echo x > srv/owned && chown 42:43 srv/owned',
  // Several pages of content: a sha256 difference would show a short write.
  'seq 1 60000 > usr/lib/big',
  'ln -s ../../etc/hello usr/bin/rel',
  'ln -s /etc/hello usr/bin/abs',
  'ln -s /does/not/exist usr/bin/dangling',
  // usrmerge: a later layer writes lib/… through this link.
  'ln -s usr/lib lib',
  // A hardlink group of three survives every later layer.
  "printf 'multi-call\\n' > usr/bin/busybox && ln usr/bin/busybox usr/bin/ls && ln usr/bin/busybox usr/bin/cat",
  'mkfifo run/fifo',
  'mknod dev/zero c 1 5',
  // Names and link targets past ustar's 100 bytes (PAX path/linkpath records).
  'long=usr/share/doc/a-directory-name-that-is-long-enough/and-another-level-that-is-also-quite-long',
  'mkdir -p "$long" && echo deep > "$long/a-file-name-past-one-hundred-bytes-in-total.txt"',
  'ln -s "/$long/a-file-name-past-one-hundred-bytes-in-total.txt" usr/share/doc/long-link',
  "echo unicode > 'usr/share/doc/ünïcödé name'",
  // Directories a later layer writes into although their modes forbid it to all but root.
  'mkdir -p usr/share/ro && chmod 0555 usr/share/ro',
  'mkdir -p var/empty && echo hidden > var/empty/child && chmod 0000 var/empty',
  'echo f > var/lib/gone/sub/f',
  'echo inner > opt/replace/inner',
  'echo file > opt/was-file',
  'mkdir -p opt/target && ln -s target opt/was-link',
  'mkdir -p etc/chmodme && echo kept > etc/chmodme/child',
  'mkdir -p usr/share/opaque/oldsub && echo old > usr/share/opaque/old && echo x > usr/share/opaque/oldsub/x',
];

/** The second: deletions and replacements, which umoci's repack writes as `.wh.` whiteouts. */
const SECOND_LAYER = [
  'rm etc/hello',
  'rm -r var/lib/gone',
  'rm opt/was-file && mkdir opt/was-file && echo in > opt/was-file/in',
  'rm opt/was-link && mkdir opt/was-link && echo in > opt/was-link/in',
  // A directory entry over a directory: attributes change, the children stay.
  'chmod 0750 etc/chmodme',
  'seq 1 70000 > usr/lib/big',
  'echo new > usr/share/ro/new',
  'echo through-the-link > lib/via-lib',
  'chown 43:44 srv/owned',
];

/**
 * The third umoci layer, on top of the GNU tar one: a directory replaced by a file, which umoci's
 * repack writes as the file followed by a whiteout of each old child *below* it (`opt/replace`,
 * then `opt/replace/.wh.inner`); umoci unpack and podman take that as a no-op.
 */
const THIRD_LAYER = ['rm -r opt/replace && echo now-a-file > opt/replace'];

/** The tags, each one layer more than the one before. */
export const UMOCI_TAGS = ['first', 'second', 'opaque', 'replaced'] as const;

export interface UmociLayout {
  /** The OCI layout directory (its name is lowercase: hoist names the image after it). */
  layout: string;
  /** What `tar -tv` lists for each layer of the last tag, in order (to see what each writer wrote). */
  listings: string[];
}

/** Builds the fixture image in `dir`/layout; every step is a real umoci (or GNU tar) command. */
export async function buildUmociImage(dir: string): Promise<UmociLayout> {
  const layout = join(dir, 'layout');
  await runUmoci(['init', '--layout', layout]);
  await runUmoci(['new', '--image', `${layout}:base`]);
  const c = UMOCI_CONFIG;
  await runUmoci([
    'config',
    '--image',
    `${layout}:base`,
    ...c.entrypoint.flatMap((a) => ['--config.entrypoint', a]),
    ...c.cmd.flatMap((a) => ['--config.cmd', a]),
    ...c.env.flatMap((e) => ['--config.env', e]),
    '--config.workingdir',
    c.workingDir,
    '--config.user',
    c.user,
    ...Object.entries(c.labels).flatMap(([k, v]) => ['--config.label', `${k}=${v}`]),
    '--author',
    c.author,
    ...c.exposedPorts.flatMap((p) => ['--config.exposedports', p]),
    '--config.stopsignal',
    c.stopSignal,
    ...c.volumes.flatMap((v) => ['--config.volume', v]),
  ]);
  await changeAndRepack(dir, layout, 'base', 'first', FIRST_LAYER);
  await changeAndRepack(dir, layout, 'first', 'second', SECOND_LAYER);
  await runUmoci(['raw', 'add-layer', '--image', `${layout}:second`, '--tag', 'opaque', await opaqueLayer(dir)]);
  await changeAndRepack(dir, layout, 'opaque', 'replaced', THIRD_LAYER);
  const listings: string[] = [];
  for (const blob of await layerBlobs(layout, 'replaced')) listings.push((await sh(dir, [`tar -tvzf '${blob}'`])).stdout);
  return { layout, listings };
}

async function changeAndRepack(dir: string, layout: string, from: string, to: string, script: readonly string[]): Promise<void> {
  const bundle = join(dir, `bundle-${to}`);
  await runUmoci(['unpack', '--image', `${layout}:${from}`, bundle]);
  await sh(join(bundle, 'rootfs'), script);
  await runUmoci(['repack', '--image', `${layout}:${to}`, bundle]);
}

/**
 * umoci's repack never writes an opaque marker (it whites out each child), so this layer is
 * GNU tar's (PAX format): usr/share/opaque made opaque, with a new child that the marker, written
 * after it, must not remove; a plain whiteout of a hardlink group member; and a file whose parent
 * is the symlink lib → usr/lib, written without an entry for lib (umoci's repack writes real paths).
 */
async function opaqueLayer(dir: string): Promise<string> {
  const staging = join(dir, 'opaque-staging');
  await mkdir(join(staging, 'usr/share/opaque'), { recursive: true });
  await mkdir(join(staging, 'usr/bin'), { recursive: true });
  await writeFile(join(staging, 'usr/share/opaque/new'), 'same layer as the marker\n');
  await writeFile(join(staging, 'usr/share/opaque/.wh..wh..opq'), '');
  await writeFile(join(staging, 'usr/bin/.wh.cat'), '');
  await mkdir(join(staging, 'lib'));
  await writeFile(join(staging, 'lib/via-gnu-tar'), 'through the usrmerge link\n');
  const tarFile = join(dir, 'opaque.tar');
  const members = [
    'usr',
    'usr/share',
    'usr/share/opaque',
    'usr/share/opaque/new',
    'usr/share/opaque/.wh..wh..opq',
    'usr/bin',
    'usr/bin/.wh.cat',
    'lib/via-gnu-tar',
  ];
  await sh(staging, [`tar --format=pax --numeric-owner --owner=0 --group=0 --no-recursion -cf '${tarFile}' ${members.join(' ')}`]);
  return tarFile;
}

/** The layer blob paths of a tag, in order. */
export async function layerBlobs(layout: string, tag: string): Promise<string[]> {
  const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const top = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (top === undefined) throw new Error(`${layout} has no tag ${tag}`);
  const manifest = JSON.parse(await readFile(blob(top.digest), 'utf8')) as { layers: Descriptor[] };
  return manifest.layers.map((l) => blob(l.digest));
}

interface Descriptor {
  digest: string;
  annotations?: Record<string, string>;
}
