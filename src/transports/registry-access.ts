import type { CredentialsHook } from '../config/auth/index.js';
import type { PullSource, RegistriesConf } from '../config/registries/index.js';
import { packageVersion } from '../config/shipped.js';
import type { Warning } from '../errors.js';
import type { RegistrySourceOptions } from '../registry/index.js';
import type { PingCache } from '../registry/ping-cache.js';

/** How registries are reached: the flags `podman pull` takes for them, the same for every endpoint. */
export interface RegistryAccess {
  /** `--creds USER[:PASS]`: sent only to endpoints on the primary registry's host. */
  creds?: { username: string; password: string };
  /** `--authfile` (or REGISTRY_AUTH_FILE): the only auth file read. */
  authFile?: string;
  /** `--cert-dir` */
  certDir?: string;
  /** `--tls-verify=false` skips TLS verification and allows plain HTTP for every registry (registries.conf's `insecure` does so per endpoint). */
  tlsVerify?: boolean;
  /** `--retry` (default 3, or hoist.toml): how many times a failed request is tried again on one endpoint. */
  retry?: number;
  /** `--retry-delay` in ms; default exponential backoff. */
  retryDelayMs?: number;
}

/** RegistryAccess as one pull has it: with its environment (auth files, credential helpers, proxies) and its signal. */
export interface AccessOptions extends RegistryAccess {
  /** The library caller's credentials source, asked per endpoint with the endpoint's own host. */
  credentialsHook?: CredentialsHook;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Warnings of the requests to every endpoint (each retry: `RETRY`), to go up to the pull's listener. */
  onWarning?: (warning: Warning) => void;
  /** The store's record of the registries' last ping answers. */
  pingCache?: PingCache;
}

/**
 * Connection options for one endpoint. Credentials given with --creds belong to the primary
 * registry: they are not sent to a mirror on another host. `conf` brings registries.conf's
 * credential-helpers.
 */
export function accessFor(source: PullSource, primary: PullSource, access: AccessOptions, conf?: RegistriesConf): RegistrySourceOptions {
  const { creds, tlsVerify, ...shared } = access;
  const sameHost = source.reference.domain === primary.reference.domain;
  return {
    ...shared,
    insecure: source.insecure || tlsVerify === false,
    userAgent: hoistUserAgent(),
    ...(conf !== undefined ? { credentialHelpers: conf.credentialHelpers } : {}),
    ...(creds !== undefined && sameHost ? { creds } : {}),
  };
}

/** The User-Agent of every request hoist makes to a registry. */
export function hoistUserAgent(): string {
  return `hoist/${packageVersion()}`;
}
