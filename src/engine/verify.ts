import { HoistError } from '../errors.js';
import { verifyBytes } from '../manifest/index.js';
import { parseReference } from '../reference/index.js';
import type { Store } from '../store/index.js';
import { judgePolicy } from '../trust/index.js';
import type { PullOptions } from './options.js';
import { loadPullConfig } from './pull-context.js';

export interface VerifiedName {
  /** The stored name checked, or undefined for an unnamed image. */
  name: string | undefined;
  accepted: boolean;
  /** containers/image's reason, when refused. */
  reason?: string;
  /** The policy entry that decided, e.g. `transports.docker."quay.io/ns"`. */
  scope?: string;
  /** How many stored signatures the policy accepted for this name. */
  signatures: number;
}

export interface VerifyResult {
  id: string;
  policyFile: string;
  results: VerifiedName[];
}

/**
 * `hoist verify NAME|ID`: re-checks a stored image against the current policy, offline, with the
 * signatures kept when it was pulled. A name checks that name; an ID checks every name the image
 * has. The manifest is re-hashed first, so a store edited on disk cannot pass for a verified one.
 */
export async function verifyStoredImage(
  input: string,
  store: Store,
  options: Pick<PullOptions, 'signaturePolicy' | 'registriesConf' | 'aliasCache' | 'env' | 'onEvent'> = {},
): Promise<VerifyResult> {
  const ctx = await loadPullConfig(options);
  const match = await store.lookupMatch(input, await ctx.localSearch());
  if (match === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`);
  const { record } = match;
  const bytes = await store.readSmallBlob(record.manifestDigest);
  verifyBytes(bytes, record.manifestDigest, `stored manifest of image ${record.id}`);
  const signatures = await store.signaturesOf(record);
  const policy = await ctx.trustPolicy();
  const names = match.name !== undefined ? [match.name] : record.names.length > 0 ? record.names : [undefined];
  const results: VerifiedName[] = [];
  for (const name of names) {
    const judgement = await judgePolicy(policy, {
      identity: { transport: 'docker', reference: name === undefined ? undefined : parseReference(name) },
      name: name === undefined ? `image ${record.id}` : `docker://${name}`,
      manifest: { bytes, digest: record.manifestDigest },
      signatures: async () => signatures,
    });
    results.push(
      judgement.refusal === undefined
        ? { name, accepted: true, scope: judgement.scopeLabel, signatures: judgement.accepted.length }
        : { name, accepted: false, reason: judgement.refusal, scope: judgement.scopeLabel, signatures: 0 },
    );
  }
  return { id: record.id, policyFile: policy.file, results };
}
