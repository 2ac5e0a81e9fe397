import type { Credentials, CredentialsHook } from '../config/auth/index.js';
import type { Warning } from '../errors.js';
import type { PingCache } from './ping-cache.js';

/** How to reach one registry: TLS, credentials, retries. Everything is optional. */
export interface RegistrySourceOptions {
  /** `--tls-verify=false` or registries.conf `insecure = true`: skip TLS verification and allow plain HTTP. */
  insecure?: boolean;
  /** `--creds`: used instead of any auth file. */
  creds?: Credentials;
  /** A library caller's credentials source, asked before the auth files (see CredentialsHook). */
  credentialsHook?: CredentialsHook;
  /** `--authfile`: the only auth file read. */
  authFile?: string;
  /** registries.conf `credential-helpers`, in order (see findCredentials). */
  credentialHelpers?: readonly string[];
  /** `--cert-dir`: certs.d material for this registry, instead of the certs.d search. */
  certDir?: string;
  /** `--retry`: how many times a failed request is tried again (default 3). */
  retry?: number;
  /** `--retry-delay` in ms: a fixed delay between tries instead of exponential backoff. */
  retryDelayMs?: number;
  /** Environment for auth-file lookup, HOME, credential helpers, and HTTPS_PROXY/HTTP_PROXY/NO_PROXY (default process.env). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  userAgent?: string;
  /** Warnings of the requests themselves (each retry: `RETRY`); default: the debug log only. */
  onWarning?: (warning: Warning) => void;
  /** The registries' last ping answers (a file in the store), to ask for a token beside the ping. */
  pingCache?: PingCache;
  /** certs.d bases to search instead of the system ones (tests). */
  certsBases?: readonly string[];
}

export const DEFAULT_RETRIES = 3;
