import { dirname } from 'node:path';
import type { Policy, PolicyTransport, Requirement } from '../config/policy/index.js';
import { dockerScopes, type ImageReference } from '../reference/index.js';

/** What policy.json scopes are matched against: a Docker reference, or a local path. */
export type PolicyIdentity = { transport: 'docker'; reference: ImageReference | undefined } | { transport: Exclude<PolicyTransport, 'docker'>; path: string };

export interface ApplicableRequirements {
  requirements: Requirement[];
  /** `transports.docker."quay.io/ns"`, `transports.oci.""` or `default`, for messages. */
  scopeLabel: string;
  /** Every scope tried, most specific first (the one that matched is the last tried). */
  tried: string[];
}

/**
 * The one requirement list that applies (containers/image requirementsForImageRef): the most
 * specific scope of the image's transport, else that transport's `""`, else `default`. Less
 * specific entries are ignored: lists are never merged.
 */
export function requirementsFor(policy: Policy, identity: PolicyIdentity): ApplicableRequirements {
  const scopes = policy.transports[identity.transport] ?? {};
  const tried: string[] = [];
  for (const scope of [...scopeCandidates(identity), '']) {
    tried.push(scope);
    const requirements = scopes[scope];
    if (requirements !== undefined) return { requirements, scopeLabel: `transports.${identity.transport}.${JSON.stringify(scope)}`, tried };
  }
  return { requirements: policy.default, scopeLabel: 'default', tried };
}

/**
 * Scopes of an identity, most specific first. docker-archive has none but `""`; path transports
 * walk the resolved path and its parents, never `/` (containers/image's PolicyConfigurationNamespaces).
 */
export function scopeCandidates(identity: PolicyIdentity): string[] {
  if (identity.transport === 'docker') return identity.reference === undefined ? [] : dockerScopes(identity.reference);
  if (identity.transport === 'docker-archive') return [];
  const scopes: string[] = [];
  for (let path = identity.path; path !== '/' && path !== dirname(path); path = dirname(path)) scopes.push(path);
  return scopes;
}
