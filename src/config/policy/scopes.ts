/** The `transports` map of policy.json: known transports, and the scopes each accepts. */
import { posix } from 'node:path';
import { parseReferenceParts } from '../../reference/index.js';
import { expect, type Context } from './fields.js';
import { quoteForMessage as q, type JsonMember, type JsonPath, type JsonValue } from './json.js';
import { fullName, isHostName, isRegistryHost, referenceProblem } from './names.js';
import { requirementList } from './requirements.js';
import type { Policy, PolicyTransport, Requirement } from './types.js';

const HOIST_TRANSPORTS: readonly string[] = ['docker', 'docker-archive', 'oci', 'oci-archive', 'dir'] satisfies PolicyTransport[];
/**
 * containers/image transports hoist never pulls from. Shared policy files name them (the upstream
 * default policy has `docker-daemon`), so they are kept without a warning, and their scopes are not
 * checked because hoist never consults them.
 */
const OTHER_KNOWN_TRANSPORTS: readonly string[] = ['docker-daemon', 'containers-storage', 'atomic', 'sif', 'tarball', 'ostree'];

export function transportMap(ctx: Context, value: JsonValue, path: JsonPath): Policy['transports'] {
  const transports: Policy['transports'] = Object.create(null);
  for (const member of expect(ctx, value, path, 'object').members) {
    if (!HOIST_TRANSPORTS.includes(member.key) && !OTHER_KNOWN_TRANSPORTS.includes(member.key)) {
      ctx.warn(member.keyAt, path, `unknown transport ${q(member.key)}, ignored (hoist reads ${HOIST_TRANSPORTS.join(', ')})`);
    }
    transports[member.key] = scopeMap(ctx, member.key, member.value, [...path, member.key]);
  }
  return transports;
}

function scopeMap(ctx: Context, transport: string, value: JsonValue, path: JsonPath): Record<string, Requirement[]> {
  const scopes: Record<string, Requirement[]> = Object.create(null);
  for (const member of expect(ctx, value, path, 'object').members) {
    if (member.key !== '') checkScope(ctx, transport, member, path);
    scopes[member.key] = requirementList(ctx, member.value, [...path, member.key]);
  }
  return scopes;
}

/** containers/image's ValidatePolicyConfigurationScope for the transports hoist reads, with its reasons shown. */
function checkScope(ctx: Context, transport: string, member: JsonMember, path: JsonPath): void {
  const scope = member.key;
  let problem: string | undefined;
  switch (transport) {
    case 'docker': {
      // containers/image accepts any docker scope; a dead one is worth a warning, not a refusal.
      const warning = dockerScopeWarning(scope);
      if (warning !== undefined) ctx.warn(member.keyAt, path, warning);
      return;
    }
    case 'docker-archive':
      problem = 'docker-archive does not support any scopes except the default "" one';
      break;
    case 'oci':
    case 'oci-archive':
    case 'dir':
      problem = pathScopeProblem(scope);
      break;
  }
  if (problem !== undefined) ctx.fail(member.keyAt, path, `Invalid scope ${q(scope)}: ${problem}`);
}

/** oci, oci-archive and dir scopes are absolute, clean paths (their identities are resolved paths). */
function pathScopeProblem(scope: string): string | undefined {
  if (!scope.startsWith('/')) return 'must be an absolute path';
  const clean = posix.normalize(scope).replace(/\/+$/, '') || '/';
  // "/" would mean the same as "", and silently shadow it.
  if (clean === '/') return 'use the default scope "" instead';
  if (clean !== scope) return `uses non-canonical format, perhaps try ${q(clean)}`;
  return undefined;
}

/**
 * Why a docker scope can match no image, or undefined. Scopes are compared with an image's full
 * name (`docker.io/library/busybox:latest`), its repository, its parent namespaces, its registry
 * and `*.` wildcards of the registry's domain (reference/scopes.ts), so anything else is dead.
 */
function dockerScopeWarning(scope: string): string | undefined {
  const never = (why: string) => `scope ${q(scope)} can never match: ${why}`;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(scope);
  if (scheme !== null) return never(`a scope has no URL scheme, perhaps ${q(scope.slice(scheme[0].length))}`);
  let host: string;
  if (scope.startsWith('*.')) {
    host = scope.slice(2);
    if (!isHostName(host)) return never('a wildcard scope is "*." and a host name without port, e.g. "*.example.com"');
  } else if (scope.includes('*')) {
    return never('the only wildcard is a leading "*.", e.g. "*.example.com"');
  } else if (isRegistryHost(scope)) {
    host = scope;
  } else {
    if (scope.endsWith('/')) return never('a namespace has no trailing "/"');
    let parts: ReturnType<typeof parseReferenceParts>;
    try {
      parts = parseReferenceParts(scope);
    } catch (err) {
      return never(referenceProblem(err, scope));
    }
    if (parts.domain === undefined) return never(`images are matched by their full name, e.g. ${q(fullName(scope))}`);
    if (parts.domain === 'index.docker.io') return never(`Docker Hub images are named ${q(`docker.io/${scope.slice('index.docker.io/'.length)}`)}`);
    if (parts.tag !== undefined && parts.digest !== undefined) return never('an image is matched by its tag or by its digest, not both');
    host = parts.domain;
  }
  if (/[A-Z]/.test(host)) {
    return `scope ${q(scope)} only matches image names that spell the registry with the same capitals; write it in lowercase`;
  }
  return undefined;
}
