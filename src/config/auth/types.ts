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

export interface CredentialLookupOptions {
  /** `--creds`: used as they are, no file is read. */
  creds?: Credentials;
  /** `--authfile`: the only file read (REGISTRY_AUTH_FILE is the same, from the environment). */
  authFile?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * registries.conf `credential-helpers`, consulted in order unless an auth file is given
   * explicitly: `containers-auth.json` means the auth files, any other NAME runs
   * `docker-credential-NAME`. Default: the auth files only.
   */
  credentialHelpers?: readonly string[];
}
