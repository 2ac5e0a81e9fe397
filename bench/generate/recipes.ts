import type { ContentKind } from './content.js';

/**
 * What the generated images contain. Byte budgets are uncompressed; the mixes follow what real
 * images hold (a distro base, shared libraries, a language runtime, node_modules-like trees of
 * small files, a data layer with a few big files, the app, a small config layer), which puts the
 * large image at ~307 MB compressed, 775 MB uncompressed (2.5× overall).
 */
export interface FileFamily {
  /** Files go below this directory, in generated package and sub-directories. */
  root: string;
  extensions: readonly string[];
  kind: ContentKind;
  /** Share of the layer's budget (the shares of a layer add up to 1). */
  share: number;
  /** Log-normal file sizes: median bytes, spread (sigma of the log), maximum. */
  median: number;
  spread: number;
  max: number;
}

export interface LargeFile {
  path: string;
  kind: ContentKind;
  size: number;
}

export interface LayerRecipe {
  /** What the layer stands for (history `created_by`). */
  createdBy: string;
  /** Uncompressed bytes of the families (large files come on top). */
  budget: number;
  families: readonly FileFamily[];
  large?: readonly LargeFile[];
}

export interface ImageRecipe {
  repository: string;
  tag: string;
  /** Media types: Docker v2s2 (as Docker Hub serves most images) or OCI. */
  format: 'docker' | 'oci';
  /** Push under a one-platform index / manifest list, as multi-arch images are. */
  index: boolean;
  layers: readonly LayerRecipe[];
}

const KB = 1024;
const MB = 1024 * 1024;

const family = (root: string, extensions: string[], kind: ContentKind, share: number, median: number, spread: number, max: number): FileFamily => ({
  root,
  extensions,
  kind,
  share,
  median,
  spread,
  max,
});

const baseOs: LayerRecipe = {
  createdBy: 'ADD rootfs.tar.xz / # distro base',
  budget: 70 * MB,
  families: [
    family('usr/bin', [''], 'binary', 0.3, 60 * KB, 1.2, 4 * MB),
    family('usr/lib/x86_64-linux-gnu', ['.so.1', '.so.6', '.so'], 'binary', 0.3, 150 * KB, 1.3, 8 * MB),
    family('usr/share/doc', ['', '.txt', '.md'], 'prose', 0.12, 3 * KB, 1.0, 200 * KB),
    family('usr/share/man/man1', ['.1.gz', '.8.gz'], 'asset', 0.06, 4 * KB, 0.8, 100 * KB),
    family('etc', ['', '.conf', '.d'], 'code', 0.05, 1 * KB, 1.0, 64 * KB),
    family('usr/share/zoneinfo', [''], 'asset', 0.07, 2 * KB, 0.7, 20 * KB),
    family('var/lib/dpkg/info', ['.list', '.md5sums'], 'prose', 0.1, 2 * KB, 1.0, 100 * KB),
  ],
};

const systemLibraries: LayerRecipe = {
  createdBy: 'RUN apt-get install -y build-essential libssl-dev # system libraries',
  budget: 110 * MB,
  families: [
    family('usr/lib/x86_64-linux-gnu', ['.so.3', '.so.1', '.a'], 'binary', 0.6, 300 * KB, 1.4, 16 * MB),
    family('usr/include', ['.h'], 'code', 0.15, 8 * KB, 1.1, 400 * KB),
    family('usr/share/doc', ['.gz', ''], 'asset', 0.15, 5 * KB, 1.0, 500 * KB),
    family('usr/share/locale', ['.mo'], 'prose', 0.1, 20 * KB, 1.0, 400 * KB),
  ],
  large: [{ path: 'usr/lib/x86_64-linux-gnu/libLLVM-15.so.1', kind: 'binary', size: 60 * MB }],
};

const runtime: LayerRecipe = {
  createdBy: 'COPY --from=runtime /usr/local /usr/local # language runtime',
  budget: 150 * MB,
  families: [
    family('usr/local/lib/python3.12', ['.py'], 'code', 0.45, 12 * KB, 1.2, 600 * KB),
    family('usr/local/lib/python3.12/lib-dynload', ['.so'], 'binary', 0.2, 200 * KB, 1.2, 6 * MB),
    family('usr/local/bin', [''], 'binary', 0.1, 2 * MB, 0.8, 30 * MB),
    family('usr/local/lib/python3.12/__pycache__', ['.pyc'], 'binary', 0.15, 10 * KB, 1.0, 300 * KB),
    family('usr/local/share/runtime', ['.json'], 'json', 0.1, 6 * KB, 1.2, 2 * MB),
  ],
};

const dependencies: LayerRecipe = {
  createdBy: 'RUN npm ci --omit=dev # dependencies',
  budget: 160 * MB,
  families: [
    family('app/node_modules', ['.js', '.cjs', '.mjs', '.d.ts'], 'code', 0.5, 6 * KB, 1.3, 2 * MB),
    family('app/node_modules', ['.json'], 'json', 0.15, 1500, 1.2, 1 * MB),
    family('app/node_modules', ['.md', 'LICENSE'], 'prose', 0.1, 4 * KB, 1.0, 200 * KB),
    family('app/node_modules', ['.node'], 'binary', 0.1, 400 * KB, 1.0, 8 * MB),
    family('app/node_modules', ['.png', '.woff2', '.gz', '.wasm'], 'asset', 0.15, 30 * KB, 1.4, 4 * MB),
  ],
};

const data: LayerRecipe = {
  createdBy: 'COPY data/ /app/data/ # models and datasets',
  budget: 20 * MB,
  families: [
    family('app/data/catalog', ['.json'], 'json', 0.5, 40 * KB, 1.0, 2 * MB),
    family('app/data/media', ['.jpg', '.webp'], 'asset', 0.5, 200 * KB, 1.0, 4 * MB),
  ],
  large: [
    { path: 'app/data/models/embeddings.bin', kind: 'asset', size: 40 * MB },
    { path: 'app/data/index.db', kind: 'binary', size: 25 * MB },
  ],
};

const app: LayerRecipe = {
  createdBy: 'COPY . /app # the application',
  budget: 70 * MB,
  families: [
    family('app/dist', ['.js', '.map'], 'code', 0.45, 20 * KB, 1.4, 4 * MB),
    family('app/config', ['.json'], 'json', 0.15, 3 * KB, 1.0, 300 * KB),
    family('app/public', ['.png', '.svg.gz', '.woff2'], 'asset', 0.3, 60 * KB, 1.2, 3 * MB),
    family('app/docs', ['.md'], 'prose', 0.1, 8 * KB, 1.0, 200 * KB),
  ],
};

const settings: LayerRecipe = {
  createdBy: 'COPY config/ /etc/app/ # settings',
  budget: 300 * KB,
  families: [family('etc/app', ['.conf', '.yaml'], 'code', 0.6, 2 * KB, 0.8, 32 * KB), family('etc/app', ['.json'], 'json', 0.4, 2 * KB, 0.8, 32 * KB)],
};

export const LARGE_IMAGE: ImageRecipe = {
  repository: 'bench/large',
  tag: 'latest',
  format: 'docker',
  index: true,
  layers: [baseOs, systemLibraries, runtime, dependencies, data, app, settings],
};

export const SMALL_IMAGE: ImageRecipe = {
  repository: 'bench/small',
  tag: 'latest',
  format: 'oci',
  index: false,
  layers: [
    {
      createdBy: 'ADD alpine-minirootfs.tar.gz / # a small base',
      budget: 11 * MB,
      families: [
        family('bin', [''], 'binary', 0.25, 40 * KB, 1.0, 1 * MB),
        family('lib', ['.so.1', '.so'], 'binary', 0.25, 120 * KB, 1.0, 2 * MB),
        family('etc', ['', '.conf'], 'code', 0.1, 1 * KB, 1.0, 32 * KB),
        family('usr/share', ['.txt'], 'prose', 0.15, 3 * KB, 1.0, 100 * KB),
        family('usr/share/apk', ['.json'], 'json', 0.05, 4 * KB, 1.0, 100 * KB),
        family('usr/share/icons', ['.png', '.gz'], 'asset', 0.2, 10 * KB, 1.0, 400 * KB),
      ],
    },
  ],
};
