import { join } from 'node:path';
import type { CommandSpec } from './command-spec.js';
import { findCredentials, parseCredentialsKey, storeCredentials, type CredentialsKey } from '../config/auth/index.js';
import { loadRegistriesConf, type RegistriesConf } from '../config/registries/index.js';
import { shippedConfDir } from '../config/shipped.js';
import { HoistError } from '../errors.js';
import { printWarning, writeStdout } from './output.js';
import { readAllStdin, readLine, readPassword } from './read-password.js';
import type { GlobalArgs } from './store-option.js';

interface LoginArgs extends GlobalArgs {
  registry?: string;
  username?: string;
  password?: string;
  'password-stdin': boolean;
  'get-login': boolean;
  authfile?: string;
  'cert-dir'?: string;
  'tls-verify'?: boolean;
  verbose: boolean;
}

/** registries.conf as login and logout read it: its credential helpers, `insecure`, and the default registry. */
export async function loginConf(env: NodeJS.ProcessEnv): Promise<RegistriesConf> {
  const conf = await loadRegistriesConf({ env, shippedFile: join(shippedConfDir(), 'registries.conf') });
  conf.warnings.forEach(printWarning);
  return conf;
}

/** The key a login names, or, with none named, the first unqualified-search registry (as Podman). */
export function loginKey(arg: string | undefined, conf: RegistriesConf): CredentialsKey {
  if (arg !== undefined) return parseCredentialsKey(arg);
  const first = conf.unqualifiedSearchRegistries[0];
  if (first === undefined) throw new HoistError('INVALID_ARGUMENT', 'no registries found in registries.conf, a registry must be provided');
  return parseCredentialsKey(first);
}

const NO_TERMINAL = { message: 'no terminal to ask for the user name and password', hint: 'pass --username and --password-stdin' };

export const loginCommand: CommandSpec<LoginArgs> = {
  command: 'login [registry]',
  describe: 'Check credentials with a registry and store them in the auth file (as podman login)',
  positionals: { registry: { type: 'string', describe: 'REGISTRY[:PORT] or REGISTRY/NAMESPACE (default: the first unqualified-search registry)' } },
  options: {
    username: { alias: 'u', type: 'string', describe: 'user name (asked on the terminal when left out)' },
    password: { alias: 'p', type: 'string', describe: 'password (insecure: the process list shows it; use --password-stdin)' },
    'password-stdin': { type: 'boolean', default: false, describe: 'read the password from stdin' },
    'get-login': { type: 'boolean', default: false, describe: 'print the user name logged in to the registry' },
    authfile: { type: 'string', describe: 'auth file to use instead of $XDG_RUNTIME_DIR/containers/auth.json (also REGISTRY_AUTH_FILE)' },
    'cert-dir': { type: 'string', describe: 'directory with *.crt CAs and *.cert/*.key client certificates' },
    'tls-verify': { type: 'boolean', describe: 'verify TLS (default: true unless registries.conf marks the registry insecure); false also allows plain HTTP' },
    verbose: { alias: 'v', type: 'boolean', default: false, describe: 'say where the credentials were stored' },
  },
  async handler(args) {
    const env = process.env;
    const conf = await loginConf(env);
    const target = loginKey(args.registry, conf);
    const lookup = { env, credentialHelpers: conf.credentialHelpers, ...(args.authfile !== undefined ? { authFile: args.authfile } : {}) };
    const existing = await findCredentials(target.registry, target.path, { ...lookup, authFileMayBeMissing: true });
    if (args['get-login']) {
      if (existing === undefined || existing.username === '') throw new HoistError('NOT_LOGGED_IN', `not logged into ${target.key}`);
      writeStdout(existing.username);
      return;
    }
    if (existing?.identityToken !== undefined) throw new HoistError('INVALID_ARGUMENT', 'currently logged in, auth file contains an Identity token');
    const { checkLogin } = await import('../transports/registry-login.js');
    const access = {
      conf,
      env,
      ...(args['tls-verify'] !== undefined ? { tlsVerify: args['tls-verify'] } : {}),
      ...(args['cert-dir'] ? { certDir: args['cert-dir'] } : {}),
    };
    const check = (username: string, password: string) => checkLogin(target.registry, { username, password }, access);

    let password = await givenPassword(args);
    if (args.username === undefined && password === undefined && existing !== undefined) {
      process.stderr.write(`Authenticating with existing credentials for ${target.key}\n`);
      if (
        await check(existing.username, existing.password).then(
          () => true,
          () => false,
        )
      ) {
        writeStdout(`Existing credentials are valid. Already logged in to ${target.registry}`);
        return;
      }
      process.stderr.write('Existing credentials are invalid, please enter valid username and password\n');
    }
    const prompt = existing === undefined ? 'Username: ' : `Username (${existing.username}): `;
    const username = (args.username ?? ((await readLine(prompt, NO_TERMINAL)).trim() || existing?.username || '')).trim();
    if (username === '') throw new HoistError('INVALID_ARGUMENT', 'the user name is empty');
    password ??= await readPassword('Password: ', NO_TERMINAL);
    await check(username, password).catch((err: unknown) => {
      throw loginError(target, err);
    });
    const where = await storeCredentials(target, { username, password }, lookup);
    if (args.verbose) writeStdout(`Used: ${where}`);
    writeStdout('Login Succeeded!');
  },
};

/** `-p` (warned about, as it shows in the process list) or `--password-stdin`; undefined: ask. */
async function givenPassword(args: LoginArgs): Promise<string | undefined> {
  if (!args['password-stdin']) {
    if (args.password !== undefined)
      printWarning('using --password on the command line is insecure: it shows in the process list and in shell history; use --password-stdin');
    return args.password;
  }
  if (args.password !== undefined) throw new HoistError('INVALID_ARGUMENT', "Can't specify both --password-stdin and --password");
  if (args.username === undefined) throw new HoistError('INVALID_ARGUMENT', 'Must provide --username with --password-stdin');
  return readAllStdin();
}

/** Podman's words for a refused login; any other failure keeps its own, after what was being done. */
function loginError(target: CredentialsKey, err: unknown): unknown {
  if (!(err instanceof HoistError)) return err;
  if (err.code === 'UNAUTHORIZED') return new HoistError('UNAUTHORIZED', `logging into "${target.key}": invalid username/password`, { cause: err });
  return new HoistError(err.code, `authenticating creds for "${target.key}": ${err.message}`, {
    cause: err,
    details: err.details,
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
  });
}
