import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SYSTEM_POLICY_FILE, loadPolicy, MAX_POLICY_BYTES, policyPath, type PolicyLookup } from '../../../src/config/policy/index.js';
import { shippedConfDir } from '../../../src/config/shipped.js';
import { isHoistError } from '../../../src/errors.js';
import { isolatedEnv, withTempDir } from '../../helpers/tmp.js';

const REJECT = '{"default":[{"type":"reject"}]}';
const ACCEPT = '{"default":[{"type":"insecureAcceptAnything"}]}';

/** A machine under `dir`: HOME, XDG dirs, a system file location and a shipped file, none of them real. */
async function machine(dir: string) {
  const env = await isolatedEnv(dir);
  const shippedFile = join(dir, 'shipped', 'policy.json');
  await mkdir(join(dir, 'shipped'));
  await writeFile(shippedFile, ACCEPT);
  const systemFile = join(dir, 'etc', 'containers', 'policy.json');
  const userFile = join(env.HOME!, '.config', 'containers', 'policy.json');
  const lookup: PolicyLookup = { env, systemFile, shippedFile };
  return { env, shippedFile, systemFile, userFile, lookup };
}

async function put(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
}

function rejectsWith(message: string, hint?: string) {
  return (err: unknown) => {
    assert.ok(isHoistError(err, 'INVALID_CONFIG'), `not INVALID_CONFIG: ${String(err)}`);
    assert.equal(err.message, message);
    if (hint !== undefined) assert.equal(err.hint, hint);
    return true;
  };
}

test('lookup: the shipped file, unless the system file exists, unless the user file exists', () =>
  withTempDir(async (dir) => {
    const { shippedFile, systemFile, userFile, lookup } = await machine(dir);
    assert.equal(await policyPath(lookup), shippedFile);
    assert.equal((await loadPolicy(lookup)).default[0]!.type, 'insecureAcceptAnything');

    await put(systemFile, REJECT);
    assert.equal(await policyPath(lookup), systemFile);
    const system = await loadPolicy(lookup);
    assert.equal(system.file, systemFile);
    assert.equal(system.default[0]!.type, 'reject');

    await put(userFile, ACCEPT);
    assert.equal(await policyPath(lookup), userFile);
    assert.equal((await loadPolicy(lookup)).file, userFile);
  }));

test('lookup: HOIST_SIGNATURE_POLICY beats the user file, and the file option (--signature-policy) beats both', () =>
  withTempDir(async (dir) => {
    const { env, userFile, lookup } = await machine(dir);
    await put(userFile, ACCEPT);
    const fromEnv = join(dir, 'env.json');
    const fromFlag = join(dir, 'flag.json');
    await put(fromEnv, REJECT);
    await put(fromFlag, REJECT);
    const withEnv = { ...lookup, env: { ...env, HOIST_SIGNATURE_POLICY: fromEnv } };
    assert.equal(await policyPath(withEnv), fromEnv);
    assert.equal((await loadPolicy(withEnv)).file, fromEnv);
    assert.equal(await policyPath({ ...withEnv, file: fromFlag }), fromFlag);
    assert.equal((await loadPolicy({ ...withEnv, file: fromFlag })).file, fromFlag);
    // Empty means unset, as for the other variables.
    assert.equal(await policyPath({ ...lookup, env: { ...env, HOIST_SIGNATURE_POLICY: '' }, file: '' }), userFile);
  }));

test('lookup: XDG_CONFIG_HOME is not consulted, as in containers/image', () =>
  withTempDir(async (dir) => {
    const { env, shippedFile, lookup } = await machine(dir);
    await put(join(env.XDG_CONFIG_HOME!, 'containers', 'policy.json'), REJECT);
    assert.equal(await policyPath(lookup), shippedFile);
  }));

test('lookup: the system file defaults to /etc/containers/policy.json', () =>
  withTempDir(async (dir) => {
    const { env, shippedFile } = await machine(dir);
    assert.equal(DEFAULT_SYSTEM_POLICY_FILE, '/etc/containers/policy.json');
    const expected = existsSync(DEFAULT_SYSTEM_POLICY_FILE) ? DEFAULT_SYSTEM_POLICY_FILE : shippedFile;
    assert.equal(await policyPath({ env, shippedFile }), expected);
  }));

test('a named file that is missing is an error naming it, never a fallback', () =>
  withTempDir(async (dir) => {
    const { env, systemFile, lookup } = await machine(dir);
    await put(systemFile, ACCEPT);
    const missing = join(dir, 'missing.json');
    await assert.rejects(
      loadPolicy({ ...lookup, file: missing }),
      rejectsWith(`policy file ${JSON.stringify(missing)} does not exist`, 'check --signature-policy'),
    );
    await assert.rejects(
      loadPolicy({ ...lookup, env: { ...env, HOIST_SIGNATURE_POLICY: missing } }),
      rejectsWith(`policy file ${JSON.stringify(missing)} does not exist`, 'check HOIST_SIGNATURE_POLICY'),
    );
    // policyPath only says which file would be read.
    assert.equal(await policyPath({ ...lookup, file: missing }), missing);
  }));

test('an unreadable file is an error naming it', () =>
  withTempDir(async (dir) => {
    const { lookup } = await machine(dir);
    const directory = join(dir, 'a-directory');
    await mkdir(directory);
    await assert.rejects(loadPolicy({ ...lookup, file: directory }), (err: unknown) => {
      assert.ok(isHoistError(err, 'INVALID_CONFIG'));
      assert.equal(err.message, `reading policy file ${JSON.stringify(directory)}: it is a directory, not a regular file`);
      return true;
    });
  }));

test('a FIFO is refused at once, never waited on for a writer', () =>
  withTempDir(async (dir) => {
    const { lookup } = await machine(dir);
    const fifo = join(dir, 'policy.json');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(loadPolicy({ ...lookup, file: fifo }), {
      code: 'INVALID_CONFIG',
      message: `reading policy file ${JSON.stringify(fifo)}: it is a FIFO, not a regular file`,
    });
  }));

test('a file over 4 MiB is refused without being parsed', () =>
  withTempDir(async (dir) => {
    const { lookup } = await machine(dir);
    const big = join(dir, 'big.json');
    await writeFile(big, REJECT + ' '.repeat(MAX_POLICY_BYTES - REJECT.length));
    assert.equal((await loadPolicy({ ...lookup, file: big })).default.length, 1);
    await writeFile(big, REJECT + ' '.repeat(MAX_POLICY_BYTES - REJECT.length + 1));
    await assert.rejects(loadPolicy({ ...lookup, file: big }), rejectsWith(`policy file ${JSON.stringify(big)} is larger than 4 MiB`));
  }));

test('errors in a loaded file name that file, line and column', () =>
  withTempDir(async (dir) => {
    const { systemFile, lookup } = await machine(dir);
    await put(systemFile, '{\n  "default": [{ "type": "reject", "extra": 1 }]\n}\n');
    await assert.rejects(loadPolicy(lookup), rejectsWith(`${systemFile}:2:35: default[0]: Unknown key "extra"`, 'see containers-policy.json(5)'));
    await assert.rejects(
      loadPolicy(lookup),
      (err: unknown) => isHoistError(err) && JSON.stringify(err.details) === JSON.stringify({ file: systemFile, line: 2, column: 35 }),
    );
  }));

test('nothing is cached: each load reads the file again', () =>
  withTempDir(async (dir) => {
    const { systemFile, lookup } = await machine(dir);
    await put(systemFile, REJECT);
    assert.equal((await loadPolicy(lookup)).default[0]!.type, 'reject');
    await put(systemFile, ACCEPT);
    assert.equal((await loadPolicy(lookup)).default[0]!.type, 'insecureAcceptAnything');
  }));

test("hoist's shipped conf/policy.json loads as the last resort", () =>
  withTempDir(async (dir) => {
    const env = await isolatedEnv(dir);
    const shippedFile = join(shippedConfDir(), 'policy.json');
    const policy = await loadPolicy({ env, systemFile: join(dir, 'none.json'), shippedFile });
    assert.equal(policy.file, shippedFile);
    assert.deepEqual(
      policy.default.map((r) => r.type),
      ['insecureAcceptAnything'],
    );
    assert.deepEqual(Object.keys(policy.transports), ['docker-daemon']);
  }));
