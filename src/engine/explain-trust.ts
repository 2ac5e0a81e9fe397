import type { KeySource, Policy, Requirement, SignedIdentity } from '../config/policy/index.js';
import { registriesDPath, signatureStorageFor } from '../config/registries-d/index.js';
import { HoistError } from '../errors.js';
import { parseTransportName } from '../transports/index.js';
import { parseReference } from '../reference/index.js';
import { loadKeyMaterial, requirementsFor, verifiesSignatures, type PolicyIdentity } from '../trust/index.js';
import { explainResolution } from './explain.js';
import type { PullOptions } from './options.js';
import { loadPullConfig, registriesDLookup, type PullConfig } from './pull-context.js';
import { localIdentity } from './local-identity.js';

export interface ExplainedRequirement {
  type: Requirement['type'];
  /** `FILE: JSON path` of the requirement. */
  where: string;
  keyType?: string;
  /** Key files, or `keyData` for inline keys. */
  keys?: string[];
  trust?: string;
  signedIdentity?: string;
}

export interface ExplainedSignatureSource {
  /** The endpoint (a mirror, or the primary location) signatures are read from. */
  endpoint: string;
  mirror: boolean;
  lookaside?: string;
  lookasideFrom: string;
  useSigstoreAttachments: boolean;
  useSigstoreAttachmentsFrom: string;
}

export interface ExplainedImage {
  /** What the policy matches: `docker://…` or the resolved path of a local source. */
  identity: string;
  transport: string;
  /** Scopes tried in order, most specific first. */
  scopesTried: string[];
  /** The entry that decides: `transports.docker."…"`, `transports.oci.""` or `default`. */
  scope: string;
  requirements: ExplainedRequirement[];
  signatureSources: ExplainedSignatureSource[];
  /** What would make the policy fail for reasons other than the image (missing keys, attachments off). */
  problems: string[];
}

export interface TrustExplanation {
  policyFile: string;
  registriesD: string;
  /** Every scope the policy names, when no image was asked about. */
  scopes?: { scope: string; requirements: ExplainedRequirement[] }[];
  images?: ExplainedImage[];
}

/** `hoist trust show [NAME]`: which policy entry and signature storage apply to NAME, without pulling. */
export async function explainTrust(input: string | undefined, options: Omit<PullOptions, 'store' | 'root'> = {}): Promise<TrustExplanation> {
  const ctx = await loadPullConfig(options);
  const policy = await ctx.trustPolicy();
  const base = { policyFile: policy.file, registriesD: (await registriesDPath(registriesDLookup(options, ctx.env))) ?? '(none)' };
  if (input === undefined) {
    const scopes = [{ scope: 'default', requirements: policy.default.map(describeRequirement) }];
    for (const [transport, entries] of Object.entries(policy.transports)) {
      for (const [scope, requirements] of Object.entries(entries))
        scopes.push({ scope: `transports.${transport}.${JSON.stringify(scope)}`, requirements: requirements.map(describeRequirement) });
    }
    return { ...base, scopes };
  }
  const named = parseTransportName(input);
  if (named.kind === 'local') {
    const identity = await localIdentity(named.transport, named.parsed);
    return { ...base, images: [await explainImage(ctx, policy, identity, `${identity.transport}:${identity.path}`, [])] };
  }
  const resolution = await explainResolution(named.parsed.pullName, options);
  const images: ExplainedImage[] = [];
  for (const candidate of resolution.candidates) {
    const ref = parseReference(candidate.reference);
    images.push(await explainImage(ctx, policy, { transport: 'docker', reference: ref }, `docker://${candidate.reference}`, candidate.sources));
  }
  return { ...base, images };
}

async function explainImage(
  ctx: PullConfig,
  policy: Policy,
  identity: PolicyIdentity,
  shown: string,
  sources: { reference: string; mirror: boolean }[],
): Promise<ExplainedImage> {
  const { requirements, scopeLabel, tried } = requirementsFor(policy, identity);
  const problems: string[] = [];
  const signatureSources: ExplainedSignatureSource[] = [];
  const wantsSigstore = requirements.some((r) => r.type === 'sigstoreSigned');
  const wantsSignatures = verifiesSignatures(requirements);
  if (identity.transport === 'docker' && wantsSignatures) {
    const config = await ctx.registriesD();
    for (const source of sources) {
      const storage = signatureStorageFor(config, parseReference(source.reference), { env: ctx.env });
      signatureSources.push({
        endpoint: source.reference,
        mirror: source.mirror,
        ...(storage.lookaside !== undefined ? { lookaside: storage.lookaside.href } : {}),
        lookasideFrom: storage.from.lookaside,
        useSigstoreAttachments: storage.useSigstoreAttachments,
        useSigstoreAttachmentsFrom: storage.from.useSigstoreAttachments,
      });
      if (wantsSigstore && !storage.useSigstoreAttachments) {
        problems.push(
          `the policy wants sigstore signatures, but use-sigstore-attachments is not true for ${source.reference} (${storage.from.useSigstoreAttachments}): a pull would find none`,
        );
      }
    }
  } else if (identity.transport !== 'docker' && identity.transport !== 'dir' && wantsSignatures) {
    problems.push(
      `${identity.transport}: images carry no signatures, so ${scopeLabel} refuses every image (A signature was required, but no signature exists)`,
    );
  }
  for (const requirement of requirements) problems.push(...(await requirementProblems(requirement)));
  return {
    identity: shown,
    transport: identity.transport,
    scopesTried: tried,
    scope: scopeLabel,
    requirements: requirements.map(describeRequirement),
    signatureSources,
    problems,
  };
}

/** Key files that cannot be used, and requirements hoist cannot satisfy, said before a pull meets them. */
async function requirementProblems(requirement: Requirement): Promise<string[]> {
  const keySets: KeySource[][] = [];
  if (requirement.type === 'reject') return ['this entry is "reject": every image is refused'];
  if (requirement.type === 'signedBaseLayer') return ['signedBaseLayer is not implemented (as in containers/image): every image is refused'];
  if (requirement.type === 'signedBy') {
    if (requirement.keyType !== 'GPGKeys' && requirement.keyType !== 'signedByGPGKeys')
      return [`keyType "${requirement.keyType}" is not implemented (as in containers/image)`];
    keySets.push(requirement.keys);
  }
  if (requirement.type === 'sigstoreSigned') {
    const { trust } = requirement;
    keySets.push(
      trust.kind === 'keys'
        ? trust.keys
        : trust.kind === 'fulcio'
          ? [trust.ca]
          : [trust.caRoots, ...(trust.caIntermediates === undefined ? [] : [trust.caIntermediates])],
    );
    if (requirement.rekorPublicKeys !== undefined) keySets.push(requirement.rekorPublicKeys);
  }
  const problems: string[] = [];
  for (const keys of keySets) {
    try {
      await loadKeyMaterial(keys);
    } catch (err) {
      if (!(err instanceof HoistError)) throw err;
      problems.push(err.message);
    }
  }
  return problems;
}

function describeRequirement(requirement: Requirement): ExplainedRequirement {
  const base = { type: requirement.type, where: `${requirement.where.file}: ${requirement.where.path}` };
  switch (requirement.type) {
    case 'signedBy':
      return { ...base, keyType: requirement.keyType, keys: requirement.keys.map(describeKey), signedIdentity: describeIdentity(requirement.signedIdentity) };
    case 'sigstoreSigned':
      return {
        ...base,
        trust: requirement.trust.kind,
        ...(requirement.trust.kind === 'keys' ? { keys: requirement.trust.keys.map(describeKey) } : {}),
        signedIdentity: describeIdentity(requirement.signedIdentity),
      };
    default:
      return base;
  }
}

const describeKey = (key: KeySource): string => (key.kind === 'path' ? key.path : `inline ${key.where.path.split('.').at(-1)}`);

function describeIdentity(identity: SignedIdentity): string {
  switch (identity.type) {
    case 'exactReference':
      return `exactReference ${identity.dockerReference}`;
    case 'exactRepository':
      return `exactRepository ${identity.dockerRepository}`;
    case 'remapIdentity':
      return `remapIdentity ${identity.prefix} -> ${identity.signedPrefix}`;
    default:
      return identity.type;
  }
}
