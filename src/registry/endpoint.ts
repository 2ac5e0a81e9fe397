/** Docker Hub's name in references, and the host that really serves its API. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** The `HOST[:PORT]` that serves a reference domain's distribution API. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_API : domain;
}

/**
 * Origins to try for a registry host, in order: https always; plain http only after it, and
 * only when the registry is insecure. Nothing else ever falls back to HTTP.
 */
export function candidateOrigins(host: string, insecure: boolean): string[] {
  return insecure ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}

/** `host:port` with the scheme's default port filled in, for messages about connections. */
export function hostAndPort(url: URL): string {
  return url.port !== '' ? url.host : `${url.host}:${url.protocol === 'http:' ? 80 : 443}`;
}
