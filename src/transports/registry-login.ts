import type { Credentials } from '../config/auth/index.js';
import { findRegistry, type RegistriesConf } from '../config/registries/index.js';
import { checkCredentials } from '../registry/index.js';
import { hoistUserAgent } from './registry-access.js';

/** How `hoist login` reaches the registry it checks: Podman's login flags, and registries.conf. */
export interface LoginAccess {
  /** `--tls-verify`: true verifies even a registry registries.conf marks insecure; false skips verification and allows plain HTTP. */
  tlsVerify?: boolean;
  /** `--cert-dir` */
  certDir?: string;
  conf: RegistriesConf;
  env: NodeJS.ProcessEnv;
}

/**
 * Asks `registry` whether it accepts `credentials` (the `/v2/` check of registry/check-auth.ts),
 * once: a login, as Podman's, is not retried. UNAUTHORIZED when refused.
 */
export async function checkLogin(registry: string, credentials: Credentials, access: LoginAccess): Promise<void> {
  const insecure = access.tlsVerify === undefined ? findRegistry(access.conf, registry)?.insecure === true : !access.tlsVerify;
  await checkCredentials(registry, credentials, {
    insecure,
    userAgent: hoistUserAgent(),
    retry: 0,
    env: access.env,
    ...(access.certDir !== undefined ? { certDir: access.certDir } : {}),
  });
}
