import { homedir } from 'node:os';
import { join } from 'node:path';

/** registries.conf's reserved `credential-helpers` entry for the auth files themselves. */
export const AUTH_FILES_HELPER = 'containers-auth.json';

export interface AuthFileSearch {
  /** Files to read, most specific first; the first is the one `login` writes. */
  paths: string[];
  /** True for `--authfile`/REGISTRY_AUTH_FILE: that one file must exist and nothing else is read. */
  explicit: boolean;
}

/**
 * Where credentials live, in containers-auth.json(5)'s order: `--authfile` or REGISTRY_AUTH_FILE
 * alone; else `$XDG_RUNTIME_DIR/containers/auth.json` (containers/image's `/run/containers/UID`
 * when unset), `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, then Docker's
 * `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
 */
export function authFileSearch(authFile: string | undefined, env: NodeJS.ProcessEnv): AuthFileSearch {
  const only = authFile ?? (env.REGISTRY_AUTH_FILE || undefined);
  if (only !== undefined) return { paths: [only], explicit: true };
  const home = env.HOME || homedir();
  const runtimeDir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers') : join('/run/containers', String(process.getuid?.() ?? 0));
  return {
    paths: [
      join(runtimeDir, 'auth.json'),
      join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'),
      env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json'),
    ],
    explicit: false,
  };
}

/**
 * Where credentials are looked for and stored, in order (registries.conf `credential-helpers`,
 * default the auth files only); an explicit auth file means it alone, as in containers/image.
 */
export function credentialPlaces(search: AuthFileSearch, credentialHelpers: readonly string[] | undefined): readonly string[] {
  return search.explicit ? [AUTH_FILES_HELPER] : (credentialHelpers ?? [AUTH_FILES_HELPER]);
}
