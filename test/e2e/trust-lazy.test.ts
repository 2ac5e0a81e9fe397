import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BUNDLE_FILE } from '../../src/cli/cli-bundle.js';
import { cliPath, run } from '../helpers/cli.js';
import { createGpgKey, gpgSign, simpleSigningPayload, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { lookasidePath, writeRegistriesD } from '../helpers/signed-images.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// A pull under the default policy (insecureAcceptAnything) must cost what it cost before signature
// verification existed: neither openpgp nor the YAML parser may be loaded. The CLI bundle keeps
// each out, in a file of its own (dist/bin/vendor/) that it requires on first use; a preloaded
// hook records every CommonJS file the process compiles.

const image = buildImage({ layers: [{ 'etc/lazy': 'lazy\n' }] });
let sandbox: Sandbox;
let registry: RegistryHandle;
let recorder: string;
let key: GpgKey;
let conf: string;
let registriesD: string;
let name: string;

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  name = `${registry.host}/lazy/app:1`;
  await pushImage(registry, 'lazy/app', image, '1');
  key = await createGpgKey(join(sandbox.dir, 'key'));
  const lookaside = join(sandbox.dir, 'lookaside');
  const signature = lookasidePath(lookaside, 'lazy/app', image.manifest.digest, 1);
  await mkdir(join(signature, '..'), { recursive: true });
  await writeFile(signature, await gpgSign(key, simpleSigningPayload(image.manifest.digest, name)));
  registriesD = await writeRegistriesD(join(sandbox.dir, 'rd'), { [registry.host]: { lookaside: `file://${lookaside}` } });
  conf = await sandbox.conf('registries.conf', insecure(registry.host));
  recorder = join(sandbox.dir, 'record-compiles.cjs');
  await writeFile(
    recorder,
    "const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst compile = Module.prototype._compile;\n" +
      'Module.prototype._compile = function (content, filename) {\n  appendFileSync(process.env.HOIST_LOAD_LOG, filename + "\\n");\n  return compile.call(this, content, filename);\n};\n',
  );
});
after(async () => {
  if (key) await stopGpgAgent(key);
  await registry?.stop();
  await sandbox?.remove();
});

let serial = 0;

/** What a `hoist pull` of the registry image under `policyJson` loads of hoist's bundle, by content. */
async function loadedBy(policyJson: object): Promise<{ status: number | null; stderr: string; openpgp: boolean; yaml: boolean }> {
  const policy = join(sandbox.dir, `policy-${++serial}.json`);
  await writeFile(policy, JSON.stringify(policyJson));
  const log = `${policy}.log`;
  await writeFile(log, '');
  const args = [
    '--require',
    recorder,
    cliPath,
    '--root',
    sandbox.root(),
    'pull',
    '-q',
    '--retry',
    '0',
    '--registries-conf',
    conf,
    '--alias-cache',
    sandbox.aliasCache(),
  ];
  const result = await run(process.execPath, [...args, '--signature-policy', policy, '--registries.d', registriesD, name], {
    env: { ...sandbox.cliEnv, HOIST_LOAD_LOG: log },
  });
  const files = [...new Set((await readFile(log, 'utf8')).split('\n').filter((path) => path.includes('/dist/bin/')))];
  const contents = await Promise.all(files.map((path) => readFile(path, 'utf8')));
  return { status: result.status, stderr: result.stderr, ...librariesIn(contents) };
}

/** Markers found only in each library's own code (hoist's code names neither). */
function librariesIn(contents: string[]): { openpgp: boolean; yaml: boolean } {
  return {
    openpgp: contents.some((c) => c.includes('versionString')),
    yaml: contents.some((c) => /YAMLParseError\s*=\s*class/.test(c)),
  };
}

test('the CLI bundle holds neither library: each is a file of its own, required on first use', async () => {
  const bundle = await readFile(join(cliPath, '..', BUNDLE_FILE), 'utf8');
  assert.deepEqual(librariesIn([bundle]), { openpgp: false, yaml: false });
  const vendored = await Promise.all(['openpgp', 'yaml'].map((name) => readFile(join(cliPath, '..', 'vendor', `${name}.cjs`), 'utf8')));
  assert.deepEqual(librariesIn(vendored), { openpgp: true, yaml: true });
});

test('a registry pull under insecureAcceptAnything loads neither openpgp nor the YAML parser', async () => {
  const loaded = await loadedBy({ default: [{ type: 'insecureAcceptAnything' }] });
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.deepEqual({ openpgp: loaded.openpgp, yaml: loaded.yaml }, { openpgp: false, yaml: false });
});

test('a policy that verifies GPG signatures loads both (so the check above can tell)', async () => {
  const loaded = await loadedBy({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyFile }] });
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.deepEqual({ openpgp: loaded.openpgp, yaml: loaded.yaml }, { openpgp: true, yaml: true });
});
