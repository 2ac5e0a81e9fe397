import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runHoist, type RunResult } from '../helpers/cli.js';
import { dockerArchive } from '../helpers/archives.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { blobOf, buildImage, OCI_CONFIG, OCI_MANIFEST, type FixtureImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { makeTar } from '../helpers/tar.js';
import { assertNothingRecorded, storeSnapshot } from '../helpers/tmp.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// Bytes from documents hoist did not write must never reach the terminal raw: an escape sequence,
// NUL, CR, the C1 CSI (U+009B), and a line break that would print a forged `Error:` line. Each
// channel below carries them into an error; stderr must hold none of them raw and exactly one
// line that starts with `Error:`.
// Short enough for V8 to quote all of it in a JSON.parse error (it cuts longer input at about 10 characters).
const HOSTILE = '\x1b[2J\r\0\u009b\nError: x';
/** The same without NUL, which a command line cannot carry. */
const HOSTILE_ARGUMENT = '\x1b[2J\r\u009b\nError: x';
const RAW = /[\x1b\0\r\u009b]/;

let sandbox: Sandbox;
let registry: RegistryHandle;
let proxy: FaultProxy;
let hostileRegistry: TestServer;
let conf: string;

/** An image whose config blob is `config` (not JSON), pushed like any other: registries never parse configs. */
function imageWithConfig(config: string): FixtureImage {
  const base = buildImage({ layers: [{ 'etc/x': 'x\n' }] });
  const configBlob = blobOf(config, OCI_CONFIG);
  const manifestDoc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
    layers: base.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifest = blobOf(JSON.stringify(manifestDoc), OCI_MANIFEST);
  return {
    ...base,
    config: configBlob,
    manifest,
    id: configBlob.digest.slice(7),
    blobs: new Map([manifest, configBlob, ...base.layers].map((b) => [b.digest, b])),
  };
}

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  proxy = await startFaultProxy(registry);
  await pushImage(registry, 'esc/manifest', buildImage({ layers: [{ 'etc/m': 'm\n' }] }), '1');
  await pushImage(registry, 'esc/config', imageWithConfig(HOSTILE), '1');
  // A registry that answers every manifest request with an error whose message is hostile.
  hostileRegistry = await startHttpServer((req, res) => {
    if (req.url === '/v2/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: HOSTILE }] }));
  });
  conf = await sandbox.conf('registries.conf', insecure(proxy.host, registry.host, `127.0.0.1:${hostileRegistry.port}`));
});
after(async () => {
  await hostileRegistry?.close();
  await proxy?.stop();
  await registry?.stop();
  await sandbox?.remove();
});

function pull(root: string, name: string, extra: string[] = []): Promise<RunResult> {
  return runHoist(['--root', root, ...extra, 'pull', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0', name], {
    env: sandbox.cliEnv,
  });
}

/**
 * Exit 125, nothing raw on stderr, one `Error:` line, which `mentions` what failed, and no image
 * recorded (blobs verified before the failure may stay, unnamed: assertNothingRecorded).
 */
async function assertCleanFailure(root: string, result: RunResult, mentions: string): Promise<void> {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  assert.doesNotMatch(result.stderr, RAW, JSON.stringify(result.stderr));
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('Error:'));
  assert.equal(errorLines.length, 1, JSON.stringify(result.stderr));
  assert.ok(errorLines[0]!.includes(mentions), JSON.stringify(errorLines[0]));
  const { index } = await storeSnapshot(root);
  assert.deepEqual((JSON.parse(index ?? '{"manifests":[]}') as { manifests: unknown[] }).manifests, []);
  await assertNothingRecorded(root, { index, blobs: [], tmp: [] });
}

describe('untrusted bytes in error messages are escaped, one Error: line each', () => {
  test('a manifest that is not JSON (the JSON.parse message quotes it), from a real registry', async () => {
    proxy.inject({ method: 'GET', path: /\/esc\/manifest\/manifests\/1$/, fault: { kind: 'replace', body: HOSTILE, contentType: OCI_MANIFEST } });
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `${proxy.host}/esc/manifest:1`), 'manifest is not valid JSON: Unexpected token');
  });

  test('an image config that is not JSON, from a real registry', async () => {
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `${registry.host}/esc/config:1`), 'image config is not valid JSON: Unexpected token');
  });

  test("a docker-archive's manifest.json that is not JSON", async () => {
    const archive = join(sandbox.dir, 'bad-manifest.tar');
    await writeFile(archive, makeTar([{ name: 'manifest.json', data: HOSTILE }]));
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `docker-archive:${archive}`), 'manifest.json is not valid JSON: Unexpected token');
  });

  test("an OCI layout's index.json that is not JSON", async () => {
    const layout = join(sandbox.dir, 'bad-index');
    await mkdir(layout);
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(join(layout, 'index.json'), HOSTILE);
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `oci:${layout}`), 'index.json is not valid JSON: Unexpected token');
  });

  test("a docker-archive's RepoTags entry", async () => {
    const archive = join(sandbox.dir, 'bad-tag.tar');
    await writeFile(archive, dockerArchive([{ image: buildImage({ layers: [{ 'etc/t': 't\n' }] }), repoTags: [`app${HOSTILE}`] }]));
    const root = sandbox.root();
    await assertCleanFailure(
      root,
      await pull(root, `docker-archive:${archive}`),
      'invalid tag "app\\u001b[2J\\r\\u0000\\u009b\\nError: x" in manifest.json item @0',
    );
  });

  test('a name on the command line, also with the stack trace of --log-level=debug', async () => {
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `foo${HOSTILE_ARGUMENT}`), 'invalid reference "foo\\u001b[2J\\r\\u009b\\nError: x"');
    const debug = await pull(root, `foo${HOSTILE_ARGUMENT}`, ['--log-level', 'debug']);
    assert.equal(debug.status, 125);
    assert.doesNotMatch(debug.stderr, RAW, JSON.stringify(debug.stderr));
    assert.equal(debug.stderr.split('\n').filter((line) => line.startsWith('Error:')).length, 1, debug.stderr);
  });

  test('a path on the command line, quoted by no one before the printer', async () => {
    const root = sandbox.root();
    await assertCleanFailure(
      root,
      await pull(root, `dir:${sandbox.dir}/none${HOSTILE_ARGUMENT}`),
      `${sandbox.dir}/none\\u001b[2J\\u000d\\u009b\\u000aError: x`,
    );
  });

  test("a registry's error body", async () => {
    const root = sandbox.root();
    await assertCleanFailure(root, await pull(root, `127.0.0.1:${hostileRegistry.port}/esc/app:1`), 'manifest unknown');
  });
});
