#!/usr/bin/env node
// Bundles the CLI into dist/bin/, because resolving and loading hundreds of small modules dominated
// hoist's start-up (measured: `missing` 276 → 156 ms, cold small pull 569 → 393 ms with `npm run
// bench -- --compare`), then makes the bundle's V8 code cache by running the main commands once
// (scripts/train-cli.mjs), so that a run neither parses nor compiles what they ran (docs/decisions.md,
// "Start-up: the CLI runs from a V8 code cache"). The library (dist/index.js) stays unbundled for
// importers.
//
//   dist/bin/hoist.mjs          the bin (src/cli/bin.ts): compiles the bundle with its cache, runs it
//   dist/bin/hoist-cli.cjs      the CLI (src/cli/main.ts and all it imports), one CommonJS script
//   dist/bin/hoist-cli.cache    the code cache
//   dist/bin/vendor/*.cjs       openpgp and yaml, loaded only when a signature or registries.d needs them
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { isAscii } from 'node:buffer';

const outdir = new URL('../dist/bin/', import.meta.url).pathname;
// The file name the bin reads (tsc has compiled src/ to dist/ before this script runs).
const { BUNDLE_FILE } = await import(new URL('../dist/cli/cli-bundle.js', import.meta.url).href);
const train = new URL('./train-cli.mjs', import.meta.url).pathname;

/**
 * undici loads node:http2 when its module is evaluated (client-h2.js), ~8 ms of every registry
 * pull, though hoist never asks for HTTP/2. undici already copes with a Node built without http2
 * (it catches the failed require); the bundle gives it that case.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, () => ({ path: 'node:http2', namespace: 'without-http2' }));
    build.onLoad({ filter: /.*/, namespace: 'without-http2' }, () => ({
      contents: "throw new Error('node:http2 is left out of the hoist CLI bundle');",
    }));
  },
};

/** The large libraries only signature checks load stay out of the CLI bundle, each in a file of its own. */
const VENDORED = ['openpgp', 'yaml'];
const vendored = {
  name: 'vendored',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${VENDORED.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  sourcemap: 'linked',
  // No comments and no indentation: a smaller file to read and parse, and one that is all ASCII
  // (esbuild escapes the rest), which V8 keeps in one byte per character.
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** CommonJS output of ES modules: `import.meta.url` (shipped.ts; openpgp's createRequire) is the file's URL. */
const asScript = {
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__hoistModuleUrl' },
  banner: { js: "const __hoistModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { hoist: 'src/cli/bin.ts' },
  outdir,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
});
await build({
  ...common,
  entryPoints: { [BUNDLE_FILE.replace(/\.cjs$/, '')]: 'src/cli/main.ts' },
  outdir,
  // A dynamic import() inside a vm script needs an experimental loader option; as require() the
  // lazily loaded modules stay lazy (esbuild evaluates a module on its first import).
  supported: { 'dynamic-import': false },
  ...asScript,
  plugins: [withoutHttp2, vendored],
  // A native addon: loaded from node_modules at run time, and only by an unpack that writes xattrs.
  external: ['@napi-rs/xattr'],
});
await build({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((name) => [`vendor/${name}`, name])),
  outdir,
  ...asScript,
});

if (!isAscii(readFileSync(`${outdir}${BUNDLE_FILE}`))) {
  throw new Error(`dist/bin/${BUNDLE_FILE} is not ASCII: the bin reads it as Latin-1 (src/cli/cli-bundle.ts)`);
}

// Under NODE_OPTIONS' V8 flags the cache would be made for flags the bin does not run with.
const { NODE_OPTIONS: _, ...env } = process.env;
const trained = spawnSync(process.execPath, [train, outdir], { encoding: 'utf8', env });
// Without a cache the CLI still runs, compiled from source (slower: docs/decisions.md); a build
// where loopback or the temporary directory is not usable still installs. The tests check that
// the cache is there and taken (test/e2e/code-cache.test.ts).
if (trained.status !== 0) {
  process.stderr.write(`warning: the CLI's code cache was not made (scripts/train-cli.mjs):\n${trained.stdout}${trained.stderr}`);
}
