import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { directoryEntries, dockerArchiveEntries } from '../../helpers/archives.js';
import { buildImage, buildIndex, writeDirImage, writeOciLayout, type Blob, type FixtureImage } from '../../helpers/images.js';
import { startScriptedRegistry, type ScriptedRegistry } from '../../helpers/scripted-registry.js';
import { makeTar, type TarEntry } from '../../helpers/tar.js';
import { isolatedEnv } from '../../helpers/tmp.js';

/**
 * The valid inputs every fuzz case starts from, built the same way in every process (fixed
 * content, no randomness): names, config files, archives of each kind hoist reads (including one
 * made by GNU tar), an OCI layout and a `dir:` image. It also serves a registry that asks for
 * credentials, so that auth files are read.
 */
export interface ArchiveBase {
  label: string;
  transport: 'docker-archive' | 'oci-archive';
  bytes: Buffer;
  /** The entries the tar was made of, for entry-level mutations (absent for GNU tar's own). */
  entries?: TarEntry[];
  gzip?: boolean;
  /** Suffixes of the name that choose an image (`:@0`, `:NAME`). */
  selectors: string[];
}

/** An OCI layout as data: index.json, oci-layout and blobs by digest. */
export interface LayoutModel {
  index: string;
  ociLayout: string;
  blobs: Map<string, Buffer>;
  refs: string[];
}

export interface Corpus {
  /** Working directory of every case: local names are relative to it. */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** A valid registries.conf (aliases, search registries, a rewritten prefix with a mirror). */
  registriesConf: string;
  /** A policy that wants signatures for registry images, so registries.d is read. */
  signaturePolicy: string;
  /** A policy that accepts everything: pulls read it instead of the machine's /etc/containers/policy.json. */
  acceptPolicy: string;
  /** A valid registries.d directory. */
  registriesD: string;
  /** registries.conf marking the credential-asking registry insecure. */
  authConf: string;
  /** `host:port` of the registry that answers 401 with a Basic challenge. */
  authHost: string;
  names: string[];
  configs: Record<'registries.conf' | 'registries.conf v1' | 'hoist.toml' | 'policy.json' | 'auth.json' | 'registries.d', string>;
  archives: ArchiveBase[];
  layout: LayoutModel;
  dirImage: FixtureImage;
  stop(): Promise<void>;
}

const docker = buildImage({ format: 'docker', uncompressed: true, layers: [{ 'etc/os-release': 'ID=fuzz\n' }, { 'usr/bin/tool': 'binary\n' }] });
const second = buildImage({ format: 'docker', uncompressed: true, layers: [{ 'etc/second': 'two\n' }] });
const oci = buildImage({ layers: [{ 'etc/hello': 'hello\n' }, { 'usr/share/doc': 'doc\n' }] });
const arm = buildImage({ architecture: 'arm64', layers: [{ 'etc/arm': 'arm\n' }] });
const multi = buildIndex([oci, arm]);
const hex = 'a'.repeat(64);

const NAMES = [
  'fedora',
  'fedora:39',
  'app',
  'app:2',
  `library/fedora@sha256:${hex}`,
  'docker.io/library/fedora:latest',
  'registry.example.com/team/app:1.0',
  'localhost:5000/a/b/c:tag',
  `127.0.0.1:5000/x@sha256:${hex}`,
  'docker://busybox',
  'docker://quay.io/x/y:z',
  'oci:./layout:1.0',
  'oci:./layout:@1',
  'oci:./layout:multi',
  'oci:./layout',
  'oci-archive:./oci.tar',
  'oci-archive:./oci.tar:@0',
  'docker-archive:./img.tar',
  'docker-archive:./img.tar:fuzz/app:1',
  'docker-archive:./img.tar:@1',
  'dir:./dirimg',
  'containers-storage:fedora',
  `sha256:${hex}`,
  hex.slice(0, 12),
  '[::1]:5000/x:y',
];

const REGISTRIES_CONF = `unqualified-search-registries = ["registry.example.com", "quay.io"]
short-name-mode = "permissive"
credential-helpers = ["containers-auth.json"]

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"app" = "registry.example.com/team/app"

[[registry]]
prefix = "registry.example.com/team"
location = "mirror.example.com/team"
insecure = false
blocked = false
mirror-by-digest-only = false

[[registry.mirror]]
location = "cache.example.com/team"
insecure = true
pull-from-mirror = "digest-only"

[[registry]]
prefix = "*.example.org"
blocked = true
`;

const REGISTRIES_CONF_V1 = `[registries.search]
registries = ['docker.io', 'quay.io']

[registries.insecure]
registries = ['localhost:5000']

[registries.block]
registries = ['evil.example.com']
`;

const HOIST_TOML = `[pull]
policy = "missing"
max-parallel-downloads = 4
retry = 2
`;

const POLICY_JSON = JSON.stringify(
  {
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        'registry.example.com/team': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/nonexistent/key.gpg', signedIdentity: { type: 'matchRepository' } }],
        'registry.example.com/team/app:1.0': [
          {
            type: 'sigstoreSigned',
            keyData: 'LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K',
            signedIdentity: { type: 'remapIdentity', prefix: 'registry.example.com', signedPrefix: 'quay.io' },
          },
        ],
        'quay.io': [{ type: 'insecureAcceptAnything' }],
        '*.example.org': [
          {
            type: 'sigstoreSigned',
            fulcio: { caPath: '/nonexistent/ca.pem', oidcIssuer: 'https://issuer.example.com', subjectEmail: 'a@example.com' },
            rekorPublicKeyPath: '/nonexistent/rekor.pem',
          },
        ],
      },
      oci: { '': [{ type: 'insecureAcceptAnything' }] },
      'docker-archive': { '': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'bm90IGEga2V5' }] },
    },
  },
  null,
  2,
);

/** `AUTHHOST` stands for the credential-asking registry; it is put in after mutation, so a case never depends on its port. */
const AUTH_JSON = JSON.stringify(
  {
    auths: {
      AUTHHOST: { auth: Buffer.from('hoist:password').toString('base64') },
      'AUTHHOST/fuzz': { auth: Buffer.from('team:secret').toString('base64'), identitytoken: 'tok' },
      'https://index.docker.io/v1/': { auth: Buffer.from('d:p').toString('base64') },
    },
    credHelpers: { 'gcr.io': 'gcloud' },
  },
  null,
  2,
);

const REGISTRIES_D = `default-docker:
  lookaside: file:///var/lib/containers/sigstore
  use-sigstore-attachments: false
docker:
  registry.example.com:
    lookaside: https://sigstore.example.com/signatures
    use-sigstore-attachments: true
  registry.example.com/team/app:
    lookaside-staging: file:///tmp/staging
`;

const execFileAsync = promisify(execFile);

export async function buildCorpus(dir: string): Promise<Corpus> {
  await mkdir(dir, { recursive: true });
  const env = await isolatedEnv(join(dir, 'env'));
  const file = async (name: string, text: string | Buffer) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  const registriesConf = await file('registries.conf', REGISTRIES_CONF);
  const signaturePolicy = await file('policy.json', POLICY_JSON);
  const acceptPolicy = await file('accept.json', JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await mkdir(join(dir, 'registries.d'));
  await file('registries.d/default.yaml', REGISTRIES_D);

  const legacyEntries = dockerArchiveEntries([
    { image: docker, repoTags: ['fuzz/app:1'] },
    { image: second, repoTags: ['fuzz/second:2', 'other:3'] },
  ]);
  const docker25Entries = dockerArchiveEntries([{ image: docker, repoTags: ['fuzz/app:1'] }], 'docker25');
  const layoutDir = join(dir, 'layout');
  await writeOciLayout(
    layoutDir,
    [
      { top: oci.manifest, refName: '1.0' },
      { top: multi.index, refName: 'multi' },
      { top: docker.manifest, refName: 'localhost/fuzz/docker:1' },
    ],
    [...oci.blobs.values(), ...arm.blobs.values(), multi.index, ...docker.blobs.values()],
  );
  const ociEntries = await directoryEntries(layoutDir);
  await execFileAsync('tar', ['--format=gnu', '-cf', join(dir, 'gnu.tar'), '-C', layoutDir, '.']);
  const archives: ArchiveBase[] = [
    {
      label: 'docker-archive (docker save)',
      transport: 'docker-archive',
      bytes: makeTar(legacyEntries),
      entries: legacyEntries,
      selectors: ['', ':@0', ':@1', ':fuzz/app:1', ':other:3'],
    },
    {
      label: 'docker-archive (Docker 25, OCI inside)',
      transport: 'docker-archive',
      bytes: makeTar(docker25Entries),
      entries: docker25Entries,
      selectors: ['', ':@0'],
    },
    {
      label: 'docker-archive, gzip-compressed',
      transport: 'docker-archive',
      bytes: gzipSync(makeTar(legacyEntries)),
      entries: legacyEntries,
      gzip: true,
      selectors: [':@0', ':@1'],
    },
    { label: 'oci-archive', transport: 'oci-archive', bytes: makeTar(ociEntries), entries: ociEntries, selectors: ['', ':1.0', ':multi', ':@2'] },
    { label: 'oci-archive made by GNU tar', transport: 'oci-archive', bytes: await readFile(join(dir, 'gnu.tar')), selectors: [':1.0', ':@0', ':multi'] },
  ];
  await file('img.tar', archives[0]!.bytes);
  await file('oci.tar', archives[3]!.bytes);
  await writeDirImage(join(dir, 'dirimg'), oci);

  const blobs = new Map<string, Buffer>(
    [...oci.blobs.values(), ...arm.blobs.values(), multi.index, ...docker.blobs.values()].map((b: Blob) => [b.digest, b.data]),
  );
  const layout: LayoutModel = {
    index: await readFile(join(layoutDir, 'index.json'), 'utf8'),
    ociLayout: await readFile(join(layoutDir, 'oci-layout'), 'utf8'),
    blobs,
    refs: ['', ':1.0', ':multi', ':localhost/fuzz/docker:1', ':@0', ':@1', ':@2', ':@3'],
  };

  const askForCredentials = (_req: unknown, res: ServerResponse) => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="fuzz"' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  };
  const asking: ScriptedRegistry = await startScriptedRegistry({ ping: askForCredentials });
  asking.script('fuzz/app', askForCredentials);
  const authConf = await file('auth-registries.conf', `[[registry]]\nlocation = "${asking.host}"\ninsecure = true\n`);
  return {
    dir,
    env,
    registriesConf,
    signaturePolicy,
    acceptPolicy,
    registriesD: join(dir, 'registries.d'),
    authConf,
    authHost: asking.host,
    names: NAMES,
    configs: {
      'registries.conf': REGISTRIES_CONF,
      'registries.conf v1': REGISTRIES_CONF_V1,
      'hoist.toml': HOIST_TOML,
      'policy.json': POLICY_JSON,
      'auth.json': AUTH_JSON,
      'registries.d': REGISTRIES_D,
    },
    archives,
    layout,
    dirImage: oci,
    stop: () => asking.stop(),
  };
}
