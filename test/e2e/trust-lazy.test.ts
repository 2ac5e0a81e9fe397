import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliPath, run } from '../helpers/cli.js';
import { createGpgKey, gpgSign, simpleSigningPayload, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { lookasidePath, writeRegistriesD } from '../helpers/signed-images.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// A pull under the default policy (insecureAcceptAnything) must cost what it cost before signature
// verification existed: neither openpgp nor the YAML parser may be loaded. The CLI bundle keeps
// each in a chunk of its own; a module hook records every module the process loads.

const image = buildImage({ layers: [{ 'etc/lazy': 'lazy\n' }] });
let sandbox: Sandbox;
let registry: RegistryHandle;
let hookRegistration: string;
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
  const hook = join(sandbox.dir, 'record-hook.mjs');
  await writeFile(
    hook,
    "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (process.env.HOIST_LOAD_LOG) appendFileSync(process.env.HOIST_LOAD_LOG, url + '\\n');\n  return next(url, context);\n}\n",
  );
  hookRegistration = join(sandbox.dir, 'register.mjs');
  await writeFile(hookRegistration, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});\n`);
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
    '--import',
    hookRegistration,
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
  const files = [...new Set((await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith('file://') && u.includes('/dist/bin/')))];
  const contents = await Promise.all(files.map((u) => readFile(new URL(u), 'utf8')));
  return {
    status: result.status,
    stderr: result.stderr,
    // Markers found only in each library's own code (hoist's code names neither).
    openpgp: contents.some((c) => c.includes('versionString')),
    yaml: contents.some((c) => c.includes('YAMLParseError = class')),
  };
}

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
