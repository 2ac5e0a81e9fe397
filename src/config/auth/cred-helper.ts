import createDebug from 'debug';
import { HoistError } from '../../errors.js';
import { parseJsonObject } from '../../untrusted-json.js';
import type { Credentials } from './types.js';

const debug = createDebug('hoist:config');

/** What helpers print (on stdout, exit 1) when they hold nothing for the server. */
const NOT_FOUND = 'credentials not found in native keychain';
/** The user name by which a helper says its secret is an identity (refresh) token. */
const TOKEN_USER = '<token>';
const TIMEOUT_MS = 60_000;

/**
 * Runs `docker-credential-<helper> get` with the server on stdin, per the docker-credential-helpers
 * protocol. Returns undefined when the helper has no credentials for the server. Its output is
 * never logged or quoted, as it carries the secret.
 */
export async function credentialsFromHelper(helper: string, server: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  debug('asking %s for %s', program, server);
  const { code, stdout } = await run(program, 'get', server, env);
  if (code !== 0) {
    if (stdout.trim() === NOT_FOUND) return undefined;
    throw new HoistError('UNAUTHORIZED', `credential helper ${program} failed for ${server} (exit status ${code})`, {
      hint: `check that ${program} works: echo ${server} | ${program} get`,
    });
  }
  const { Username: username, Secret: secret } = parseJsonObject(stdout, (p) =>
    p.problem === 'syntax'
      ? new HoistError('UNAUTHORIZED', `credential helper ${program} printed something that is not JSON for ${server}`)
      : new HoistError('UNAUTHORIZED', `credential helper ${program} gave no Username and Secret for ${server}`),
  );
  if (typeof username !== 'string' || typeof secret !== 'string') {
    throw new HoistError('UNAUTHORIZED', `credential helper ${program} gave no Username and Secret for ${server}`);
  }
  if (username === '' && secret === '') return undefined;
  return username === TOKEN_USER ? { username: '', password: '', identityToken: secret } : { username, password: secret };
}

/**
 * `docker-credential-<helper> store`: the secret goes on stdin, in the protocol's JSON, never as an
 * argument (which the process list shows). Returns what the login reports as where it went.
 */
export async function storeInHelper(helper: string, server: string, credentials: Credentials, env: NodeJS.ProcessEnv): Promise<string> {
  const program = `docker-credential-${helper}`;
  debug('storing credentials for %s in %s', server, program);
  const input = JSON.stringify({ ServerURL: server, Username: credentials.username, Secret: credentials.password });
  const { code } = await run(program, 'store', input, env);
  if (code !== 0) throw helperFailed(program, 'store', server, code);
  return `credential helper ${program}`;
}

/** `docker-credential-<helper> erase`; false when the helper held nothing for the server. */
export async function eraseFromHelper(helper: string, server: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const program = `docker-credential-${helper}`;
  debug('erasing credentials for %s from %s', server, program);
  const { code, stdout } = await run(program, 'erase', server, env);
  if (code === 0) return true;
  if (stdout.trim() === NOT_FOUND) return false;
  throw helperFailed(program, 'erase', server, code);
}

/** `docker-credential-<helper> list`: the servers it holds credentials for. */
export async function serversInHelper(helper: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const program = `docker-credential-${helper}`;
  const { code, stdout } = await run(program, 'list', '', env);
  if (code !== 0) throw helperFailed(program, 'list', 'any registry', code);
  return Object.keys(parseJsonObject(stdout, () => new HoistError('UNAUTHORIZED', `credential helper ${program} listed something that is not a JSON object`)));
}

/** A helper's failure, by exit status only: what it printed may carry the secret. */
function helperFailed(program: string, action: string, server: string, code: number): HoistError {
  return new HoistError('UNAUTHORIZED', `credential helper ${program} failed to ${action} credentials for ${server} (exit status ${code})`);
}

async function run(
  program: string,
  action: 'get' | 'store' | 'erase' | 'list',
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string }> {
  // Loaded here: most runs use no helper, and node:child_process costs ~2 ms of every start-up.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    // Not spawn's own `timeout`, whose timer outlives a helper that never started (ENOENT).
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = err.code === 'ENOENT';
      reject(
        new HoistError(
          'INVALID_CONFIG',
          missing ? `credential helper ${program} is not installed (not found in $PATH)` : `cannot run credential helper ${program}: ${err.message}`,
          {
            cause: err,
            ...(missing ? { hint: 'install it, or remove it from credHelpers/credsStore in the auth file' } : {}),
          },
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString('utf8') });
    });
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin is judged by its exit status
    child.stdin.end(input);
  });
}
