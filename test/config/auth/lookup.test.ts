import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { authFileSearch, findCredentials, parseCredsFlag } from '../../../src/config/auth/index.js';
import { isHoistError } from '../../../src/errors.js';

let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-auth-'));
  env = { HOME: join(dir, 'home'), XDG_RUNTIME_DIR: join(dir, 'run'), XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH };
});
after(async () => rm(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');
const entry = (user: string, pass = 'pw') => ({ auth: b64(`${user}:${pass}`) });
const runtimeFile = () => join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
const configFile = () => join(env.XDG_CONFIG_HOME!, 'containers', 'auth.json');
const dockerFile = () => join(env.HOME!, '.docker', 'config.json');

async function writeJson(path: string, doc: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

async function clean(): Promise<void> {
  for (const f of [runtimeFile(), configFile(), dockerFile()]) await rm(f, { force: true });
}

const userFor = async (domain: string, path: string, extra: object = {}) => (await findCredentials(domain, path, { env, ...extra }))?.username;

describe('which files, in which order', () => {
  test('XDG_RUNTIME_DIR, then XDG_CONFIG_HOME, then Docker; the first file with an answer wins', async () => {
    await clean();
    await writeJson(dockerFile(), { auths: { 'reg.example': entry('docker'), 'only.docker': entry('docker') } });
    assert.equal(await userFor('reg.example', 'a/b'), 'docker');
    await writeJson(configFile(), { auths: { 'reg.example': entry('config') } });
    assert.equal(await userFor('reg.example', 'a/b'), 'config');
    await writeJson(runtimeFile(), { auths: { 'reg.example': entry('runtime') } });
    assert.equal(await userFor('reg.example', 'a/b'), 'runtime');
    assert.equal(await userFor('only.docker', 'a/b'), 'docker', 'a file without an entry passes to the next');
  });

  test('DOCKER_CONFIG replaces ~/.docker', () => {
    assert.deepEqual(authFileSearch(undefined, { ...env, DOCKER_CONFIG: '/d' }).paths.at(-1), '/d/config.json');
    assert.equal(authFileSearch(undefined, { HOME: '/h' }).paths[1], '/h/.config/containers/auth.json');
  });

  test('--authfile, or REGISTRY_AUTH_FILE, is the only file read, and must exist', async () => {
    await clean();
    await writeJson(runtimeFile(), { auths: { 'reg.example': entry('runtime') } });
    const only = await writeJson(join(dir, 'only.json'), { auths: { 'other.example': entry('only') } });
    assert.equal(await userFor('reg.example', 'a/b', { authFile: only }), undefined);
    assert.equal(await userFor('other.example', 'a/b', { authFile: only }), 'only');
    assert.equal(await findCredentials('other.example', 'a/b', { env: { ...env, REGISTRY_AUTH_FILE: only } }).then((c) => c?.username), 'only');
    await assert.rejects(findCredentials('reg.example', 'a/b', { env, authFile: join(dir, 'missing.json') }), (err: unknown) => {
      return isHoistError(err, 'INVALID_CONFIG') && err.message.includes('missing.json');
    });
  });

  test('--creds wins over every file', async () => {
    await writeJson(runtimeFile(), { auths: { 'reg.example': entry('runtime') } });
    const found = await findCredentials('reg.example', 'a/b', { env, creds: { username: 'flag', password: 'x' } });
    assert.deepEqual(found, { username: 'flag', password: 'x', source: '--creds' });
  });

  test('a credentials hook is asked with the registry and repository, after --creds and before the files', async () => {
    await clean();
    await writeJson(runtimeFile(), { auths: { 'reg.example': entry('runtime') } });
    const asked: unknown[] = [];
    const hook = (request: unknown) => {
      asked.push(request);
      return { username: 'hooked', password: 'pw' };
    };
    assert.deepEqual(await findCredentials('reg.example', 'a/b', { env, hook }), { username: 'hooked', password: 'pw', source: 'the credentials hook' });
    assert.deepEqual(asked, [{ registry: 'reg.example', repository: 'a/b' }]);
    assert.equal((await findCredentials('reg.example', 'a/b', { env, hook, creds: { username: 'flag', password: 'x' } }))?.source, '--creds');
    // undefined lets the usual lookup go on.
    assert.equal((await findCredentials('reg.example', 'a/b', { env, hook: async () => undefined }))?.username, 'runtime');
    await clean();
  });

  test('a credentials hook that throws or answers nonsense is an error naming the hook, never an anonymous pull', async () => {
    await assert.rejects(
      findCredentials('reg.example', 'a/b', {
        env,
        hook: () => {
          throw new Error('vault sealed');
        },
      }),
      (err: unknown) => isHoistError(err, 'UNAUTHORIZED') && err.message === 'the credentials hook failed for reg.example/a/b: vault sealed',
    );
    await assert.rejects(
      findCredentials('reg.example', 'a/b', { env, hook: () => ({ user: 'x' }) as never }),
      (err: unknown) => isHoistError(err, 'INVALID_ARGUMENT') && err.message.startsWith('the credentials hook answered something other than'),
    );
  });
});

describe('key matching', () => {
  test('host/ns/repo, then host/ns, then host; namespace keys match exactly only', async () => {
    await clean();
    await writeJson(runtimeFile(), {
      auths: { 'reg.example': entry('host'), 'reg.example/team': entry('ns'), 'reg.example/team/app': entry('repo') },
    });
    assert.equal(await userFor('reg.example', 'team/app'), 'repo');
    assert.equal(await userFor('reg.example', 'team/other'), 'ns');
    assert.equal(await userFor('reg.example', 'team2/app'), 'host');
    assert.equal(await userFor('reg.example', 'team/app/sub'), 'repo');
  });

  test('URL-style keys and Docker Hub aliases', async () => {
    await clean();
    await writeJson(dockerFile(), { auths: { 'https://index.docker.io/v1/': entry('hub'), 'http://reg.example:5000/v2/': entry('url') } });
    assert.equal(await userFor('docker.io', 'library/fedora'), 'hub');
    assert.equal(await userFor('reg.example:5000', 'a/b'), 'url');
    assert.equal(await userFor('reg.example', 'a/b'), undefined, 'the port is part of the host');
  });

  test('identitytoken, passwords with colons, entries without a password', async () => {
    await clean();
    await writeJson(runtimeFile(), {
      auths: {
        'tok.example': { auth: b64('<token>:'), identitytoken: 'refresh-me' },
        'colon.example': entry('u', 'p:a:s:s'),
        'empty.example': {},
      },
    });
    assert.deepEqual(await findCredentials('tok.example', 'a/b', { env }).then((c) => c?.identityToken), 'refresh-me');
    assert.equal(await findCredentials('colon.example', 'a/b', { env }).then((c) => c?.password), 'p:a:s:s');
    assert.equal(await findCredentials('empty.example', 'a/b', { env }), undefined);
  });

  test('a malformed file is INVALID_CONFIG naming the file', async () => {
    await clean();
    for (const bad of [
      '{not json',
      '[]',
      JSON.stringify({ auths: { x: { auth: '###' } } }),
      JSON.stringify({ auths: [] }),
      JSON.stringify({ credHelpers: { x: 1 } }),
    ]) {
      await writeJson(runtimeFile(), bad);
      await assert.rejects(
        findCredentials('reg.example', 'a/b', { env }),
        (err: unknown) => isHoistError(err, 'INVALID_CONFIG') && err.message.startsWith(runtimeFile()),
      );
    }
    await clean();
  });

  test('an auth file that is a FIFO or too large fails at once, naming it, without being read whole', async () => {
    await clean();
    const fifo = runtimeFile();
    await mkdir(dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
    // readFile would wait for a writer forever; the test's own timeout would catch that hang.
    await assert.rejects(
      findCredentials('reg.example', 'a/b', { env }),
      (err: unknown) => isHoistError(err, 'INVALID_CONFIG') && err.message === `cannot read auth file ${fifo}: it is a FIFO, not a regular file`,
    );
    await rm(fifo);
    // Sparse: 5 MiB that cost no disk.
    await writeJson(fifo, '{}');
    await truncate(fifo, 5 * 1024 * 1024);
    await assert.rejects(
      findCredentials('reg.example', 'a/b', { env }),
      (err: unknown) => isHoistError(err, 'INVALID_CONFIG') && err.message === `cannot read auth file ${fifo}: it is larger than 4 MiB`,
    );
    await clean();
  });
});

describe('credential helpers', () => {
  let helperEnv: NodeJS.ProcessEnv;
  let log: string;
  before(async () => {
    const bin = join(dir, 'bin');
    log = join(dir, 'helper.log');
    await mkdir(bin, { recursive: true });
    // Answers by server: a user/password, an identity token, or "not found" like real helpers.
    await writeFile(
      join(bin, 'docker-credential-test'),
      `#!/bin/sh
read server
echo "$1 $server" >> "${log}"
case "$server" in
  helper.example) echo '{"ServerURL":"helper.example","Username":"fromhelper","Secret":"s3cret"}' ;;
  token.example) echo '{"ServerURL":"token.example","Username":"<token>","Secret":"idtok"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"hubstore","Secret":"s"}' ;;
  store.example) echo '{"ServerURL":"store.example","Username":"fromstore","Secret":"s"}' ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`,
      { mode: 0o755 },
    );
    helperEnv = { ...env, PATH: `${bin}:${process.env.PATH}` };
  });

  test('credHelpers runs docker-credential-NAME get with the registry on stdin', async () => {
    await clean();
    await writeJson(runtimeFile(), { credHelpers: { 'helper.example': 'test', 'token.example': 'test', 'none.example': 'test' } });
    const found = await findCredentials('helper.example', 'a/b', { env: helperEnv });
    assert.equal(found?.username, 'fromhelper');
    assert.equal(found?.password, 's3cret');
    assert.match(found!.source, /credential helper test/);
    assert.equal(await findCredentials('token.example', 'a/b', { env: helperEnv }).then((c) => c?.identityToken), 'idtok');
    assert.equal(await findCredentials('none.example', 'a/b', { env: helperEnv }), undefined);
    assert.match(await readFile(log, 'utf8'), /^get helper\.example$/m);
  });

  test('credsStore serves registries without an auths entry; Docker Hub by its v1 URL', async () => {
    await clean();
    await writeJson(dockerFile(), { auths: { 'store.example': {}, 'file.example': entry('fromfile') }, credsStore: 'test' });
    assert.equal(await userFor('store.example', 'a/b', { env: helperEnv }), 'fromstore');
    assert.equal(await userFor('file.example', 'a/b', { env: helperEnv }), 'fromfile');
    assert.equal(await userFor('docker.io', 'library/x', { env: helperEnv }), 'hubstore');
  });

  test('registries.conf credential-helpers are consulted in order; containers-auth.json stands for the auth files', async () => {
    await clean();
    await writeJson(runtimeFile(), { auths: { 'helper.example': entry('fromfile'), 'file.example': entry('onlyfile') } });
    const lookup = (domain: string, credentialHelpers: string[], extra: object = {}) =>
      findCredentials(domain, 'a/b', { env: helperEnv, credentialHelpers, ...extra }).then((c) => c?.username);
    assert.equal(await lookup('helper.example', ['test', 'containers-auth.json']), 'fromhelper');
    assert.equal(await lookup('helper.example', ['containers-auth.json', 'test']), 'fromfile');
    // The helper knows nothing of file.example: the next entry answers.
    assert.equal(await lookup('file.example', ['test', 'containers-auth.json']), 'onlyfile');
    // Without containers-auth.json in the list, the auth files are not read at all.
    assert.equal(await lookup('file.example', ['test']), undefined);
    // An explicit auth file is the only source, helpers or not.
    assert.equal(await lookup('helper.example', ['test'], { authFile: runtimeFile() }), 'fromfile');
  });

  test('a helper that is not installed is an error naming it', async () => {
    await clean();
    await writeJson(runtimeFile(), { credHelpers: { 'helper.example': 'nonexistent' } });
    await assert.rejects(findCredentials('helper.example', 'a/b', { env: helperEnv }), /docker-credential-nonexistent is not installed/);
  });
});

test('--creds USER[:PASS]', () => {
  assert.deepEqual(parseCredsFlag('me:p:w'), { username: 'me', password: 'p:w' });
  assert.deepEqual(parseCredsFlag('me'), { username: 'me' });
  assert.throws(() => parseCredsFlag(':pw'), /user name is empty/);
});
