import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath, run, runHoist, startProgram, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeSandbox, type Sandbox } from '../engine/support.js';

// `hoist login` / `logout` against the real registry, under htpasswd and under token auth, as a
// script uses them: the auth file written (mode 0600, other entries and fields kept), read by a
// later pull, and the password nowhere in the output.
let sandbox: Sandbox;
let env: Record<string, string | undefined>;
let counter = 0;
const image = buildImage({ layers: [{ 'login.txt': 'logged in\n' }] });

before(async () => {
  sandbox = await makeSandbox();
  env = { ...sandbox.cliEnv, CONTAINERS_REGISTRIES_CONF: await sandbox.conf('registries.conf', '') };
});
after(async () => sandbox?.remove());

/** The default auth file of the sandbox: containers-auth.json(5)'s `$XDG_RUNTIME_DIR/containers/auth.json`. */
function defaultAuthFile(): string {
  return join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json');
}

function hoist(args: string[], input?: string, extraEnv: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runHoist(args, { env: { ...env, ...extraEnv }, ...(input !== undefined ? { input } : {}) });
}

function pull(name: string, extra: string[] = []): Promise<RunResult> {
  return hoist([
    '--root',
    join(sandbox.dir, `store-login-${++counter}`),
    'pull',
    '-q',
    '--tls-verify=false',
    '--alias-cache',
    sandbox.aliasCache(),
    ...extra,
    name,
  ]);
}

async function authFile(path: string): Promise<Record<string, unknown> & { auths: Record<string, { auth?: string }> }> {
  return JSON.parse(await readFile(path, 'utf8'));
}

function basic(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

function assertNoPassword(result: RunResult, password: string): void {
  assert.ok(!result.stdout.includes(password) && !result.stderr.includes(password), 'the password is in no output');
}

for (const auth of ['htpasswd', 'token'] as const) {
  describe(`hoist login under ${auth} auth`, () => {
    let registry: RegistryHandle;
    before(async () => {
      registry = await startRegistry({ auth });
      await pushImage(registry, 'login/app', image, 'v1');
    });
    after(async () => registry?.stop());

    test('a good login writes the default auth file (0600, other entries and fields kept), and a later pull uses it', async () => {
      const file = defaultAuthFile();
      await mkdir(join(env.XDG_RUNTIME_DIR!, 'containers'), { recursive: true });
      await writeFile(file, JSON.stringify({ auths: { 'other.example': { auth: basic('o', 'p') } }, credHelpers: {}, HttpHeaders: { 'X-Keep': 'me' } }));
      assert.equal((await pull(`${registry.host}/login/app:v1`)).status, 125, 'anonymous pulls are refused');

      const result = await hoist(['login', '--tls-verify=false', '-u', registry.username!, '--password-stdin', registry.host], `${registry.password}\n`);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'Login Succeeded!\n');
      assertNoPassword(result, registry.password!);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const written = await authFile(file);
      assert.deepEqual(Object.keys(written.auths).sort(), ['other.example', registry.host].sort());
      assert.equal(written.auths[registry.host]!.auth, basic(registry.username!, registry.password!));
      assert.equal(written.auths['other.example']!.auth, basic('o', 'p'));
      assert.deepEqual(written.HttpHeaders, { 'X-Keep': 'me' });

      const pulled = await pull(`${registry.host}/login/app:v1`);
      assert.equal(pulled.status, 0, pulled.stderr);
      assert.equal(pulled.stdout.trim(), image.id);

      const user = await hoist(['login', '--get-login', registry.host]);
      assert.deepEqual([user.status, user.stdout], [0, `${registry.username}\n`]);
    });

    test("a bad password writes nothing and exits 125 with Podman's error", async () => {
      const file = join(sandbox.dir, `bad-${auth}.json`);
      const wrong = 'wrong-password-123';
      const result = await hoist(['login', '--tls-verify=false', '--authfile', file, '-u', registry.username!, '--password-stdin', registry.host], wrong);
      assert.equal(result.status, 125, result.stderr);
      assert.equal(result.stdout, '');
      assert.deepEqual(result.stderr.trimEnd().split('\n'), [`Error: logging into "${registry.host}": invalid username/password`]);
      assertNoPassword(result, wrong);
      await assert.rejects(stat(file), { code: 'ENOENT' });
    });

    test('-p works with a warning that names no password; a namespace key is kept as written', async () => {
      const file = join(sandbox.dir, `ns-${auth}.json`);
      const result = await hoist([
        'login',
        '--tls-verify=false',
        '--authfile',
        file,
        '-u',
        registry.username!,
        '-p',
        registry.password!,
        `${registry.host}/login`,
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /^Warning: using --password on the command line is insecure/);
      assertNoPassword(result, registry.password!);
      assert.deepEqual(Object.keys((await authFile(file)).auths), [`${registry.host}/login`]);
      const pulled = await pull(`${registry.host}/login/app:v1`, ['--authfile', file]);
      assert.equal(pulled.status, 0, pulled.stderr);
    });
  });
}

describe('hoist logout', () => {
  test('removes one entry, then says the registry is not logged in; --all removes every entry and keeps other fields', async () => {
    const file = join(sandbox.dir, 'logout.json');
    await writeFile(
      file,
      JSON.stringify({ auths: { 'a.example': { auth: basic('a', 'b') }, 'b.example/ns': { auth: basic('c', 'd') }, 'c.example': {} }, extra: 1 }),
    );
    const first = await hoist(['logout', '--authfile', file, 'a.example']);
    assert.deepEqual([first.status, first.stdout], [0, 'Removed login credentials for a.example\n']);
    assert.deepEqual(Object.keys((await authFile(file)).auths), ['b.example/ns', 'c.example']);
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const again = await hoist(['logout', '--authfile', file, 'a.example']);
    assert.equal(again.status, 125);
    assert.deepEqual(again.stderr.trimEnd().split('\n'), ['Error: not logged into a.example']);

    const none = await hoist(['login', '--get-login', '--authfile', file, 'a.example']);
    assert.equal(none.status, 125);
    assert.deepEqual(none.stderr.trimEnd().split('\n'), ['Error: not logged into a.example']);

    const all = await hoist(['logout', '--authfile', file, '--all']);
    assert.deepEqual([all.status, all.stdout], [0, 'Removed login credentials for all registries\n']);
    assert.deepEqual(await authFile(file), { auths: {}, extra: 1 });
  });
});

describe('hoist login with a credential helper', () => {
  let registry: RegistryHandle;
  before(async () => (registry = await startRegistry({ auth: 'htpasswd' })));
  after(async () => registry?.stop());

  test('registries.conf credential-helpers: the secret goes to docker-credential-NAME store on stdin, never as an argument; logout erases it', async () => {
    const bin = join(sandbox.dir, 'helper-bin');
    const record = join(sandbox.dir, 'helper-record');
    await mkdir(bin, { recursive: true });
    // A credential helper that keeps what it is handed (its arguments, its stdin) and holds nothing for `get`, as the protocol says it.
    const script = join(bin, 'docker-credential-hoisttest');
    await writeFile(
      script,
      `#!/bin/sh\nif [ "$1" = get ]; then echo "credentials not found in native keychain"; exit 1; fi\necho "args: $*" >> ${record}\ncat >> ${record}\necho >> ${record}\n`,
    );
    await chmod(script, 0o755);
    const conf = await sandbox.conf('helpers.conf', 'credential-helpers = ["hoisttest"]\n');
    const extraEnv = { PATH: `${bin}:${process.env.PATH}`, CONTAINERS_REGISTRIES_CONF: conf, XDG_RUNTIME_DIR: join(sandbox.dir, 'helper-run') };
    await mkdir(extraEnv.XDG_RUNTIME_DIR, { recursive: true });

    const login = await hoist(['login', '--tls-verify=false', '-u', registry.username!, '--password-stdin', registry.host], registry.password, extraEnv);
    assert.equal(login.status, 0, login.stderr);
    const logout = await hoist(['logout', registry.host], undefined, extraEnv);
    assert.equal(logout.status, 0, logout.stderr);
    const lines = (await readFile(record, 'utf8')).split('\n');
    assert.equal(lines[0], 'args: store');
    assert.deepEqual(JSON.parse(lines[1]!), { ServerURL: registry.host, Username: registry.username, Secret: registry.password });
    assert.deepEqual(lines.slice(2, 4), ['args: erase', registry.host]);
    await assert.rejects(stat(join(extraEnv.XDG_RUNTIME_DIR, 'containers', 'auth.json')), { code: 'ENOENT' }, 'no auth file was written');
  });
});

describe('hoist login and podman login write the same entry', () => {
  let registry: RegistryHandle;
  before(async () => (registry = await startRegistry({ auth: 'htpasswd' })));
  after(async () => registry?.stop());

  test('same keys and the same auth value', async (t) => {
    const which = await run('sh', ['-c', 'command -v podman']);
    if (which.status !== 0) {
      t.skip('podman is not installed: the auth.json comparison with podman login needs it');
      return;
    }
    const podmanFile = join(sandbox.dir, 'podman-auth.json');
    const hoistFile = join(sandbox.dir, 'hoist-auth.json');
    const args = ['--tls-verify=false', '-u', registry.username!, '--password-stdin', `${registry.host}/team`];
    const podman = await run('podman', ['login', '--authfile', podmanFile, ...args], { input: registry.password! });
    // Installed but unable to run here (no user namespace for rootless podman, say): a peer that
    // cannot take part is named, not taken for hoist's failure.
    if (podman.status !== 0 && !/Login Succeeded|unauthorized|invalid username/i.test(podman.stderr)) {
      t.skip(`podman is installed but cannot run here: ${podman.stderr.trim().split('\n').at(-1)}`);
      return;
    }
    assert.equal(podman.status, 0, podman.stderr);
    const ours = await hoist(['login', '--authfile', hoistFile, ...args], registry.password);
    assert.equal(ours.status, 0, ours.stderr);
    const [theirs, mine] = [await authFile(podmanFile), await authFile(hoistFile)];
    assert.deepEqual(Object.keys(mine.auths), Object.keys(theirs.auths));
    assert.deepEqual(mine.auths, theirs.auths);
    assert.deepEqual(Object.keys(mine), Object.keys(theirs));
  });
});

describe('hoist login on a terminal', () => {
  let registry: RegistryHandle;
  before(async () => (registry = await startRegistry({ auth: 'htpasswd' })));
  after(async () => registry?.stop());

  test('asks for the username (echoed) and the password (not echoed) in a real pseudo-terminal, then logs in', async () => {
    const authfile = join(sandbox.dir, 'tty-auth.json');
    const envs = Object.entries(env)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(' ');
    const command = `env ${envs} ${process.execPath} ${cliPath} login --tls-verify=false --authfile ${authfile} ${registry.host}`;
    const { child, result } = startProgram('script', ['-qfec', command, '/dev/null'], { timeoutMs: 30_000, interactive: true });
    let screen = '';
    const waiting: { text: string; resolve: () => void }[] = [];
    child.stdout.on('data', (chunk: Buffer | string) => {
      screen += String(chunk);
      for (const wait of waiting.filter((w) => screen.includes(w.text))) wait.resolve();
    });
    // Or the program's end, so a prompt that never comes fails the test with the screen shown.
    const seen = (text: string) =>
      Promise.race([new Promise<void>((resolve) => (screen.includes(text) ? resolve() : waiting.push({ text, resolve }))), result.then(() => undefined)]);
    await seen('Username: ');
    child.stdin.write(`${registry.username}\r`);
    await seen('Password: ');
    child.stdin.end(`${registry.password}\r`);
    const done = await result;
    assert.equal(done.status, 0, screen + done.stdout);
    // What the terminal shows, the line editor's cursor moves left out.
    const shown = (screen + done.stdout).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    assert.match(shown, new RegExp(`Username: ${registry.username}`), 'the username is echoed');
    assert.ok(!shown.includes(registry.password!), 'the password is not echoed');
    assert.match(shown, /Login Succeeded!/);
    assert.equal((await authFile(authfile)).auths[registry.host]?.auth, basic(registry.username!, registry.password!));
  });
});
