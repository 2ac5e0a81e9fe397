import { HoistError } from '../errors.js';
import type { PullPolicy } from './options.js';

/** Podman's spellings of each policy (case-insensitive), including the Kubernetes-style ones. */
const spellings: Record<string, PullPolicy> = {
  always: 'always',
  true: 'always',
  missing: 'missing',
  ifmissing: 'missing',
  ifnotpresent: 'missing',
  newer: 'newer',
  ifnewer: 'newer',
  never: 'never',
  false: 'never',
};

/** The four policies, as help and shell completion offer them. */
export const PULL_POLICIES: readonly PullPolicy[] = ['always', 'missing', 'newer', 'never'];

export function parsePullPolicy(value: string): PullPolicy {
  const policy = spellings[value.toLowerCase()];
  if (policy === undefined) {
    throw new HoistError('INVALID_ARGUMENT', `unsupported pull policy "${value}"`, { hint: 'use always, missing, newer or never' });
  }
  return policy;
}
