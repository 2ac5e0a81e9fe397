/** Credentials for one registry, as an auth file, a credential helper or `--creds` gives them. */
export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`identitytoken`); when set, it is used instead of the password. */
  identityToken?: string;
}

/** Credentials together with where they came from, for debug logs and hints (never the secret). */
export interface FoundCredentials extends Credentials {
  source: string;
}

/** What a credentials hook is asked about: one registry endpoint and the repository pulled from it. */
export interface CredentialsRequest {
  /** host[:port], as the endpoint is named (a mirror's own host when a mirror is asked). */
  registry: string;
  /** The repository on that registry, without the host (`library/fedora`). */
  repository: string;
}

/**
 * A library caller's own credentials source (a vault, a CI secret store), asked before the auth
 * files and helpers; undefined lets the usual lookup go on.
 */
export type CredentialsHook = (request: CredentialsRequest) => Credentials | undefined | Promise<Credentials | undefined>;

export interface CredentialLookupOptions {
  /** `--creds`: used as they are, no file is read. */
  creds?: Credentials;
  /** Asked after `creds` and before any file (see CredentialsHook). */
  hook?: CredentialsHook;
  /** `--authfile`: the only file read (REGISTRY_AUTH_FILE is the same, from the environment). */
  authFile?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * registries.conf `credential-helpers`, consulted in order unless an auth file is given
   * explicitly: `containers-auth.json` means the auth files, any other NAME runs
   * `docker-credential-NAME`. Default: the auth files only.
   */
  credentialHelpers?: readonly string[];
  /** An explicit auth file that does not exist holds nothing, instead of being an error: `login` creates it. */
  authFileMayBeMissing?: boolean;
}
