import createDebug from 'debug';
import { HoistError } from '../../errors.js';
import { authsOf, editAuthFile } from './auth-file-edit.js';
import { AUTH_FILES_HELPER, authFileSearch, credentialPlaces } from './auth-files.js';
import { eraseFromHelper, serversInHelper, storeInHelper } from './cred-helper.js';
import type { CredentialsKey } from './credentials-key.js';
import type { Credentials } from './types.js';

const debug = createDebug('hoist:config');

export interface CredentialStoreOptions {
  /** `--authfile` (REGISTRY_AUTH_FILE from `env` likewise): the only place written, no helper asked. */
  authFile?: string;
  env: NodeJS.ProcessEnv;
  /** registries.conf `credential-helpers` (default: the auth file only). */
  credentialHelpers?: readonly string[];
}

/**
 * Stores credentials for `key` as containers/image's SetCredentials does: in the first of
 * registries.conf's credential helpers that takes them, where `containers-auth.json` is the auth
 * file (`$XDG_RUNTIME_DIR/containers/auth.json`, or --authfile alone) and there a `credHelpers`
 * entry for the key hands them to that helper. Returns where they went.
 */
export async function storeCredentials(key: CredentialsKey, credentials: Credentials, options: CredentialStoreOptions): Promise<string> {
  const { path, helpers } = places(options);
  const failures: HoistError[] = [];
  for (const helper of helpers) {
    try {
      if (helper !== AUTH_FILES_HELPER) return await storeInHelper(externalHelper(helper, key), key.key, credentials, options.env);
      return await editAuthFile(path, async (doc, file) => {
        const inner = file.credHelpers.get(key.key);
        if (inner !== undefined) return { changed: false, result: await storeInHelper(externalHelper(inner, key), key.key, credentials, options.env) };
        authsOf(doc)[key.key] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
        return { changed: true, result: path };
      });
    } catch (err) {
      if (!(err instanceof HoistError)) throw err;
      debug('storing credentials for %s in %s failed: %s', key.key, helper, err.message);
      failures.push(err);
    }
  }
  throw failures.length === 1 ? failures[0]! : new HoistError(failures[0]!.code, failures.map((f) => f.message).join('; '));
}

/**
 * Removes the credentials for `key` from every place storeCredentials would write them (as
 * containers/image's RemoveAuthentication); NOT_LOGGED_IN when none held any.
 */
export async function removeCredentials(key: CredentialsKey, options: CredentialStoreOptions): Promise<void> {
  const { path, helpers } = places(options);
  let removed = false;
  for (const helper of helpers) {
    if (helper !== AUTH_FILES_HELPER) {
      // A helper keys by registry only: it never held a namespace's credentials.
      if (key.path === '') removed = (await eraseFromHelper(helper, key.key, options.env)) || removed;
      continue;
    }
    removed =
      (await editAuthFile(path, async (doc, file) => {
        const inner = file.credHelpers.get(key.key);
        const erased = inner !== undefined && key.path === '' && (await eraseFromHelper(inner, key.key, options.env));
        const auths = authsOf(doc);
        if (!Object.hasOwn(auths, key.key)) return { changed: false, result: erased };
        delete auths[key.key];
        return { changed: true, result: true };
      })) || removed;
  }
  if (!removed) throw new HoistError('NOT_LOGGED_IN', `not logged into ${key.key}`);
}

/**
 * Removes every credential from those places (`logout --all`): the auth file's `auths`, what its
 * `credHelpers` hold for their registries, and all an external helper lists. Unlike
 * containers/image, the `credHelpers` map itself stays: it is configuration, not a credential.
 */
export async function removeAllCredentials(options: CredentialStoreOptions): Promise<void> {
  const { path, helpers } = places(options);
  for (const helper of helpers) {
    if (helper !== AUTH_FILES_HELPER) {
      for (const server of await serversInHelper(helper, options.env)) await eraseFromHelper(helper, server, options.env);
      continue;
    }
    await editAuthFile(path, async (doc, file) => {
      for (const [registry, inner] of file.credHelpers) await eraseFromHelper(inner, registry, options.env);
      const changed = Object.keys(authsOf(doc)).length > 0;
      doc.auths = {};
      return { changed, result: undefined };
    });
  }
}

/** The auth file written (the first of the search), and the places in order. */
function places(options: CredentialStoreOptions): { path: string; helpers: readonly string[] } {
  const search = authFileSearch(options.authFile, options.env);
  return { path: search.paths[0]!, helpers: credentialPlaces(search, options.credentialHelpers) };
}

/** A credential helper, for a key it can hold: helpers know registries, not namespaces. */
function externalHelper(helper: string, key: CredentialsKey): string {
  if (key.path !== '') {
    throw new HoistError('INVALID_ARGUMENT', `credential helper docker-credential-${helper} cannot hold credentials for a namespace (${key.key})`, {
      hint: `log in to ${key.registry}, or pass --authfile to keep them in an auth file`,
    });
  }
  return helper;
}
