#!/usr/bin/env node
// Bundles the CLI into dist/bin/: a handful of files instead of hundreds of small modules, because
// resolving and loading those dominated hoist's start-up (measured: `missing` 276 → 156 ms, cold
// small pull 569 → 393 ms with `npm run bench -- --compare`). Code splitting keeps the registry
// stack (undici) in a chunk that loads only when a request is made. The library (dist/index.js)
// stays unbundled for importers.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bin/', import.meta.url).pathname;

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
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { hoist: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  // CommonJS dependencies (debug, proper-lockfile) call require(); give ESM output one.
  banner: { js: "import { createRequire as __hoistCreateRequire } from 'node:module'; const require = __hoistCreateRequire(import.meta.url);" },
  plugins: [withoutHttp2],
  // A native addon: loaded from node_modules at run time, and only by an unpack that writes xattrs.
  external: ['@napi-rs/xattr'],
  logLevel: 'warning',
});
