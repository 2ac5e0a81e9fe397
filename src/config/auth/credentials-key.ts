import { HoistError, quoted } from '../../errors.js';
import { parseReference } from '../../reference/index.js';

/** What `login`/`logout` name: the `auths` key, and the registry it belongs to (which the login check talks to). */
export interface CredentialsKey {
  /** `host[:port]` or `host[:port]/namespace/…`, as it goes into `auths`. */
  key: string;
  registry: string;
  /** The key's path below the registry ('' for the registry itself). */
  path: string;
}

/**
 * The key of `hoist login ARG` as containers/common's parseCredentialsKey makes it: a URL gives
 * its `host[:port]` (the rest is dropped, as Docker's old `https://index.docker.io/v1/` style
 * needs); `registry/namespace` is kept as written, never normalized (`docker.io/vendor` must not
 * become `docker.io/library/vendor`), and must be a repository name: a registry host first, no tag
 * or digest.
 */
export function parseCredentialsKey(arg: string): CredentialsKey {
  const key = /^https?:\/\//.test(arg) ? hostOfUrl(arg) : arg;
  const slash = key.indexOf('/');
  if (slash < 0) {
    if (key === '') throw new HoistError('INVALID_ARGUMENT', `${quoted(arg)} names no registry`);
    return { key, registry: key, path: '' };
  }
  const registry = key.slice(0, slash);
  const ref = parseReference(key);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new HoistError('INVALID_ARGUMENT', `reference ${quoted(key)} contains tag or digest`, { hint: 'log in to a registry or a registry/namespace' });
  }
  if (ref.domain !== registry) {
    throw new HoistError('INVALID_ARGUMENT', `${quoted(key)} does not start with a registry host`, {
      hint: `a namespace is written after its registry, e.g. docker.io/${key}`,
    });
  }
  return { key, registry, path: key.slice(slash + 1) };
}

function hostOfUrl(arg: string): string {
  try {
    return new URL(arg).host;
  } catch {
    throw new HoistError('INVALID_ARGUMENT', `${quoted(arg)} is not a valid URL`);
  }
}
