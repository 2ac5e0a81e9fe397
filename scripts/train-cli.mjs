#!/usr/bin/env node
// `node scripts/train-cli.mjs DIR` (run by scripts/bundle.mjs): makes DIR/hoist-cli.cache, the V8
// code cache of the CLI bundle, by running the commands users run most in this one process: a
// cold registry pull, `always`, `newer` and `missing` on the stored image, `image exists`, a pull
// from an OCI layout and `images`. V8's cache then holds the code those compiled. The registry is
// a few lines of node:http serving the example image (examples/hello) over plain HTTP on
// loopback; the commands see an isolated environment (their own HOME, policy and registries.conf),
// so that nothing on the build machine changes what they run or what they touch.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outdir = process.argv[2];
const repo = fileURLToPath(new URL('..', import.meta.url));
const layout = join(repo, 'examples', 'hello');
const { CODE_CACHE_FILE, loadCli } = await import(join(repo, 'dist', 'cli', 'cli-bundle.js'));

/** GET and HEAD of /v2/, hello's manifests (by tag or digest) and blobs, from the example layout. */
function exampleRegistry() {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const top = index.manifests[0];
  const tag = top.annotations['org.opencontainers.image.ref.name'];
  const blob = (digest) => readFileSync(join(layout, 'blobs', ...digest.split(':')));
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    const manifest = /^\/v2\/hello\/manifests\/([^/]+)$/.exec(path);
    const layer = /^\/v2\/hello\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    let body;
    const headers = {};
    if (path === '/v2/') body = Buffer.from('{}');
    else if (manifest !== null && (manifest[1] === tag || manifest[1] === top.digest)) {
      body = blob(top.digest);
      Object.assign(headers, { 'content-type': top.mediaType, 'docker-content-digest': top.digest });
    } else if (layer !== null) body = blob(layer[1]);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}');
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

const sandbox = mkdtempSync(join(tmpdir(), 'hoist-train-'));
const server = exampleRegistry();
try {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const name = `127.0.0.1:${server.address().port}/hello:1.0`;
  const at = (...parts) => join(sandbox, ...parts);
  mkdirSync(at('home'));
  writeFileSync(at('policy.json'), '{"default":[{"type":"insecureAcceptAnything"}]}\n');
  writeFileSync(at('registries.conf'), 'unqualified-search-registries = []\n');
  process.env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: at('home'),
    XDG_CONFIG_HOME: at('home', '.config'),
    XDG_DATA_HOME: at('home', '.local', 'share'),
    XDG_CACHE_HOME: at('home', '.cache'),
    XDG_RUNTIME_DIR: at('run'),
    CONTAINERS_REGISTRIES_CONF: at('registries.conf'),
    HOIST_SIGNATURE_POLICY: at('policy.json'),
    HOIST_ALIAS_CACHE: at('aliases.conf'),
    REGISTRY_AUTH_FILE: at('auth.json'),
  };
  const { cli, createCodeCache } = loadCli(outdir);
  const registryStore = ['--root', at('registry-store')];
  const runs = [
    [...registryStore, 'pull', '--tls-verify=false', name],
    [...registryStore, 'pull', '--tls-verify=false', '--policy', 'always', name],
    [...registryStore, 'pull', '--tls-verify=false', '--policy', 'newer', name],
    [...registryStore, 'pull', '--policy', 'missing', name],
    [...registryStore, 'image', 'exists', name],
    ['--root', at('layout-store'), 'pull', `oci:${layout}:1.0`],
    [...registryStore, 'images'],
  ];
  for (const argv of runs) {
    await cli.runCli(argv);
    if ((process.exitCode ?? 0) !== 0) throw new Error(`hoist ${argv.join(' ')} failed`);
  }
  writeFileSync(join(outdir, CODE_CACHE_FILE), createCodeCache());
} finally {
  server.close();
  rmSync(sandbox, { recursive: true, force: true });
}
// The pulls' keep-alive connections to the example registry would hold the process a while.
process.exit(0);
