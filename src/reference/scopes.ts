import { formatReference, type ImageReference } from './reference.js';

/**
 * The docker scopes a reference falls under, most specific first, as containers/image walks them
 * for policy.json and registries.d (docker/policyconfiguration/naming.go):
 *
 *   reg.example.com:5000/ns/repo:tag   the identity itself (tag or digest)
 *   reg.example.com:5000/ns/repo       the repository
 *   reg.example.com:5000/ns            each parent namespace
 *   reg.example.com:5000               the registry, port and all
 *   *.example.com, *.com               wildcards of the port-less host's parent domains
 *
 * So `*.example.com` never matches `example.com` itself, and a host with a port is never matched
 * by the port-less host name.
 */
export function dockerScopes(ref: ImageReference): string[] {
  const repository = `${ref.domain}/${ref.path}`;
  const scopes = [formatReference(ref), repository];
  const components = ref.path.split('/');
  for (let n = components.length - 1; n > 0; n--) scopes.push(`${ref.domain}/${components.slice(0, n).join('/')}`);
  scopes.push(ref.domain);
  const host = hostWithoutPort(ref.domain);
  // An IP address (or IPv6 literal) has no parent domains to wildcard.
  if (!/^\[|^[0-9.]+$/.test(host)) {
    const labels = host.split('.');
    for (let i = 1; i < labels.length; i++) scopes.push(`*.${labels.slice(i).join('.')}`);
  }
  return scopes.filter((scope, i) => scopes.indexOf(scope) === i);
}

function hostWithoutPort(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(0, domain.indexOf(']') + 1);
  const colon = domain.lastIndexOf(':');
  return colon < 0 ? domain : domain.slice(0, colon);
}
