/**
 * `auths` keys for a repository, most specific first: `host/ns/repo`, `host/ns`, `host`.
 * Namespace and repository keys only ever match exactly, as in containers/image.
 */
export function authKeysFor(domain: string, path: string): string[] {
  const keys: string[] = [];
  // An empty path asks about the registry itself (`hoist login --get-login HOST`).
  for (let name = path === '' ? domain : `${domain}/${path}`; ; name = name.slice(0, name.lastIndexOf('/'))) {
    keys.push(name);
    if (!name.includes('/')) return keys;
  }
}

/**
 * The registry a URL-style key stands for: `https://index.docker.io/v1/` → `index.docker.io`.
 * Docker long wrote such keys, and still does for Docker Hub, whose hosts are all one registry.
 * A key without a scheme keeps its path, so `host/ns` never matches a bare `host`.
 */
export function normalizeAuthKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  const host = stripped === key ? stripped : stripped.split('/')[0]!;
  return host === 'docker.io' || host === 'registry-1.docker.io' ? 'index.docker.io' : host;
}
