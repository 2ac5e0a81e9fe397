import { quoted } from '../errors.js';
import { parseUrl } from './urls.js';

/** Docker Hub's name in references, and the host that really serves its API. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** The `HOST[:PORT]` that serves a reference domain's distribution API. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_API : domain;
}

/**
 * Origins to try for a registry host, in order: https always; plain http only after it, and
 * only when the registry is insecure. Nothing else ever falls back to HTTP. An image name's
 * grammar lets through hosts no URL can hold (a port past 65535), so each is parsed here, and
 * normalized (`HOST:443` is `HOST`), as the origins of the URLs it is compared with are.
 */
export function candidateOrigins(host: string, insecure: boolean): string[] {
  const schemes = insecure ? ['https', 'http'] : ['https'];
  return schemes.map((scheme) => parseUrl(`${scheme}://${host}`, undefined, `the address of registry ${quoted(host)}`, 'INVALID_REFERENCE').origin);
}
