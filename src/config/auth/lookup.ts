import createDebug from 'debug';
import { HoistError } from '../../errors.js';
import { readAuthFile, type AuthEntry, type AuthFile } from './auth-file.js';
import { AUTH_FILES_HELPER, authFileSearch, credentialPlaces, type AuthFileSearch } from './auth-files.js';
import { credentialsFromHelper } from './cred-helper.js';
import { authKeysFor, normalizeAuthKey } from './keys.js';
import type { Credentials, CredentialLookupOptions, CredentialsHook, FoundCredentials } from './types.js';

const debug = createDebug('hoist:config');

/** Docker Hub's key in Docker's own files and credential stores. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

/**
 * Credentials for a repository on a registry, most specific source first: `--creds`; the library
 * caller's credentials hook; then, in the order of registries.conf `credential-helpers` (default: the auth files only), each external
 * helper or the auth files. An explicit `--authfile`/REGISTRY_AUTH_FILE skips the helpers, as in
 * containers/image. Undefined means anonymous.
 */
export async function findCredentials(domain: string, path: string, options: CredentialLookupOptions = {}): Promise<FoundCredentials | undefined> {
  if (options.creds !== undefined) return { ...options.creds, source: '--creds' };
  const hooked = options.hook === undefined ? undefined : await askHook(options.hook, domain, path);
  if (hooked !== undefined) return hooked;
  const env = options.env ?? process.env;
  const search = authFileSearch(options.authFile, env);
  const helpers = credentialPlaces(search, options.credentialHelpers);
  for (const helper of helpers) {
    const found =
      helper === AUTH_FILES_HELPER
        ? await credentialsInAuthFiles(search, domain, path, env, options.authFileMayBeMissing === true)
        : withSource(await credentialsFromHelper(helper, domain, env), `credential helper ${helper} (registries.conf credential-helpers)`);
    if (found !== undefined && usable(found)) {
      debug('credentials for %s/%s from %s', domain, path, found.source);
      return found;
    }
  }
  debug('no credentials for %s/%s', domain, path);
  return undefined;
}

/** The hook's answer, checked: a hook that throws or answers nonsense is an error naming it, not a silent anonymous pull. */
async function askHook(hook: CredentialsHook, registry: string, repository: string): Promise<FoundCredentials | undefined> {
  let answer: unknown;
  try {
    answer = await hook({ registry, repository });
  } catch (err) {
    throw new HoistError('UNAUTHORIZED', `the credentials hook failed for ${registry}/${repository}: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  if (answer === undefined) return undefined;
  const { username, password, identityToken } = (answer ?? {}) as Partial<Credentials>;
  if (typeof username !== 'string' || typeof password !== 'string' || (identityToken !== undefined && typeof identityToken !== 'string')) {
    throw new HoistError('INVALID_ARGUMENT', `the credentials hook answered something other than { username, password } for ${registry}/${repository}`);
  }
  const found: FoundCredentials = { username, password, ...(identityToken !== undefined ? { identityToken } : {}), source: 'the credentials hook' };
  return usable(found) ? found : undefined;
}

/**
 * Each auth file in order (see authFileSearch), where the first usable answer wins. Within one
 * file: its `credHelpers` entry for the registry, else `auths` keys `host/ns/repo` → `host/ns` →
 * `host` (exact), else URL-style keys naming the host, else its `credsStore` (Docker's; hoist reads
 * it though Podman does not).
 */
async function credentialsInAuthFiles(
  search: AuthFileSearch,
  domain: string,
  path: string,
  env: NodeJS.ProcessEnv,
  mayBeMissing: boolean,
): Promise<FoundCredentials | undefined> {
  for (const file of search.paths) {
    const auth = await readAuthFile(file);
    if (auth === undefined) {
      if (search.explicit && !mayBeMissing) {
        throw new HoistError('INVALID_CONFIG', `auth file ${file} does not exist`, { hint: 'check --authfile and REGISTRY_AUTH_FILE' });
      }
      continue;
    }
    const found = await credentialsInFile(auth, domain, path, env);
    if (found !== undefined && usable(found)) return found;
  }
  return undefined;
}

async function credentialsInFile(file: AuthFile, domain: string, path: string, env: NodeJS.ProcessEnv): Promise<FoundCredentials | undefined> {
  const helper = file.credHelpers.get(domain);
  if (helper !== undefined) return withSource(await credentialsFromHelper(helper, domain, env), `credential helper ${helper} (${file.path})`);
  const entry = matchingEntry(file.auths, domain, path);
  if (entry !== undefined && entry.username !== undefined) {
    const found: FoundCredentials = { username: entry.username, password: entry.password ?? '', source: `${file.path} (${entry.key})` };
    if (entry.identityToken !== undefined) found.identityToken = entry.identityToken;
    if (usable(found)) return found;
  }
  if (file.credsStore === undefined) return undefined;
  const server = normalizeAuthKey(domain) === 'index.docker.io' ? DOCKER_HUB_SERVER : domain;
  return withSource(await credentialsFromHelper(file.credsStore, server, env), `credential store ${file.credsStore} (${file.path})`);
}

function matchingEntry(auths: readonly AuthEntry[], domain: string, path: string): AuthEntry | undefined {
  for (const key of authKeysFor(domain, path)) {
    const exact = auths.find((e) => e.key === key);
    if (exact !== undefined) return exact;
  }
  const registry = normalizeAuthKey(domain);
  return auths.find((e) => normalizeAuthKey(e.key) === registry);
}

function usable(c: Credentials): boolean {
  return (c.username !== '' && c.password !== '') || c.identityToken !== undefined;
}

function withSource(c: Credentials | undefined, source: string): FoundCredentials | undefined {
  return c === undefined ? undefined : { ...c, source };
}
