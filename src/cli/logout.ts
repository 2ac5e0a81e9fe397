import type { CommandSpec } from './command-spec.js';
import { removeAllCredentials, removeCredentials } from '../config/auth/index.js';
import { HoistError } from '../errors.js';
import { loginConf, loginKey } from './login.js';
import { writeStdout } from './output.js';
import type { GlobalArgs } from './store-option.js';

interface LogoutArgs extends GlobalArgs {
  registry?: string;
  all: boolean;
  authfile?: string;
}

export const logoutCommand: CommandSpec<LogoutArgs> = {
  command: 'logout [registry]',
  describe: 'Remove the stored credentials of a registry, or of all (as podman logout)',
  positionals: { registry: { type: 'string', describe: 'REGISTRY[:PORT] or REGISTRY/NAMESPACE (default: the first unqualified-search registry)' } },
  options: {
    all: { alias: 'a', type: 'boolean', default: false, describe: 'remove the credentials of every registry' },
    authfile: { type: 'string', describe: 'auth file to use instead of $XDG_RUNTIME_DIR/containers/auth.json (also REGISTRY_AUTH_FILE)' },
  },
  async handler(args) {
    const env = process.env;
    const conf = await loginConf(env);
    const options = { env, credentialHelpers: conf.credentialHelpers, ...(args.authfile !== undefined ? { authFile: args.authfile } : {}) };
    if (args.all) {
      if (args.registry !== undefined) throw new HoistError('INVALID_ARGUMENT', '--all takes no arguments');
      await removeAllCredentials(options);
      writeStdout('Removed login credentials for all registries');
      return;
    }
    const target = loginKey(args.registry, conf);
    await removeCredentials(target, options);
    writeStdout(`Removed login credentials for ${target.key}`);
  },
};
