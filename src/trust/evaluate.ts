import type { KeySource, Policy, Requirement, SignedIdentity } from '../config/policy/index.js';
import { clipped, HoistError, printable, quoted } from '../errors.js';
import { digestBytes, SIGSTORE_SIGNATURE_MEDIA_TYPE, type Signature, type SigstoreSignature } from '../manifest/index.js';
import { isValidDigest, parseDigest, type ImageReference } from '../reference/index.js';
import { loadCaCertificates, loadIntermediateCertificates } from './certificate-bundles.js';
import { identityMatches } from './identity.js';
import { loadKeyMaterial } from './keys.js';
import { SignatureRejection } from './rejection.js';
import { requirementsFor, type PolicyIdentity } from './scope.js';
import { verifySigstoreWithFulcio, verifySigstoreWithKeys, verifySigstoreWithPki, type SigstoreVerification } from './sigstore.js';
import { verifySimpleSigning } from './simple-signing.js';

/** One single-platform image as the policy sees it, before any of its layers is read. */
export interface ImageUnderPolicy {
  identity: PolicyIdentity;
  /** `transport:name` as containers/image prints it, e.g. `docker://quay.io/ns/app:1`. */
  name: string;
  /** The instance manifest chosen for the platform: signatures are over its digest. */
  manifest: { bytes: Buffer; digest: string };
  /** Reads the image's signatures; called only when a requirement verifies signatures. */
  signatures(): Promise<Signature[]>;
  /** Said with "no signature exists" when the source could not have supplied one (e.g. attachments off). */
  missingSignaturesHint?: string;
}

export interface PolicyVerdict {
  /** The signatures some requirement accepted, to keep with the image. */
  accepted: Signature[];
  scopeLabel: string;
}

/** The policy's answer as data: accepted (with what it verified), or refused with the reason. */
export type PolicyJudgement = { scopeLabel: string } & ({ accepted: Signature[]; refusal?: undefined } | { refusal: string; hint: string });

/** True when the requirement list would read signatures (so callers can skip loading where they live). */
export function verifiesSignatures(requirements: readonly Requirement[]): boolean {
  return requirements.some((r) => r.type === 'signedBy' || r.type === 'sigstoreSigned');
}

/**
 * containers/image's IsRunningImageAllowed: every requirement of the applicable list must accept
 * the image, in order, and the first refusal is the answer. Key files that cannot be used are
 * configuration errors (thrown), not refusals: they name the file.
 */
export async function judgePolicy(policy: Policy, image: ImageUnderPolicy): Promise<PolicyJudgement> {
  const { requirements, scopeLabel } = requirementsFor(policy, image.identity);
  const accepted = new Set<Signature>();
  let signatures: Promise<Signature[]> | undefined;
  const read = () => (signatures ??= image.signatures());
  for (const requirement of requirements) {
    const reason = await refusal(requirement, image, read, accepted);
    if (reason !== undefined) {
      const noSignature = reason.startsWith(NO_SIGNATURE);
      const hint = noSignature && image.missingSignaturesHint !== undefined ? image.missingSignaturesHint : `the policy is ${scopeLabel} in ${policy.file}`;
      return { scopeLabel, refusal: reason, hint };
    }
  }
  return { accepted: [...accepted], scopeLabel };
}

/** judgePolicy for a copy: a refusal is the pull's error, `Source image rejected: <reason>`. */
export async function evaluatePolicy(policy: Policy, image: ImageUnderPolicy): Promise<PolicyVerdict> {
  const judgement = await judgePolicy(policy, image);
  if (judgement.refusal !== undefined) throw new HoistError('POLICY_REJECTED', `Source image rejected: ${judgement.refusal}`, { hint: judgement.hint });
  return { accepted: judgement.accepted, scopeLabel: judgement.scopeLabel };
}

const NO_SIGNATURE = 'A signature was required, but no signature exists';

/** Why `requirement` refuses the image, or undefined when it accepts (adding what it verified to `accepted`). */
async function refusal(
  requirement: Requirement,
  image: ImageUnderPolicy,
  read: () => Promise<Signature[]>,
  accepted: Set<Signature>,
): Promise<string | undefined> {
  switch (requirement.type) {
    case 'insecureAcceptAnything':
      return undefined;
    case 'reject':
      return `Running image ${image.name} is rejected by policy.`;
    case 'signedBaseLayer':
      return 'signedBaseLayer not implemented yet!';
    case 'signedBy': {
      if (requirement.keyType !== 'GPGKeys' && requirement.keyType !== 'signedByGPGKeys') return `Unimplemented "keyType" value "${requirement.keyType}"`;
      const keyrings = await loadKeyMaterial(requirement.keys);
      const verify = (sig: Signature) => (sig.format === 'simple-signing' ? verifySimpleSigning(sig.blob, keyrings).then((r) => r.claims) : undefined);
      return acceptSignatures(await read(), verify, requirement.signedIdentity, image, accepted, (skipped) => `${skipped} sigstore signatures`);
    }
    case 'sigstoreSigned': {
      const verifySigstore = await sigstoreVerifier(requirement);
      // Deferred into the promise, so that a refusal is a reason like any other (acceptSignatures).
      const verify = (sig: Signature) => (isSigstoreSignature(sig) ? Promise.resolve().then(() => verifySigstore(sig).claims) : undefined);
      const all = await read();
      const attachments = all.filter((s) => s.format === 'sigstore' && s.mimeType !== SIGSTORE_SIGNATURE_MEDIA_TYPE).length;
      return acceptSignatures(
        all,
        verify,
        requirement.signedIdentity,
        image,
        accepted,
        (skipped) => `${skipped - attachments} non-sigstore signatures, ${attachments} sigstore non-signature attachments`,
      );
    }
  }
}

/**
 * What the requirement trusts, read before any signature is (keys, CA certificates, Rekor keys),
 * bound into the check for one signature.
 */
async function sigstoreVerifier(requirement: Extract<Requirement, { type: 'sigstoreSigned' }>): Promise<(sig: SigstoreSignature) => SigstoreVerification> {
  const { trust } = requirement;
  const load = (sources: KeySource[] | undefined) => (sources === undefined ? undefined : loadKeyMaterial(sources));
  switch (trust.kind) {
    case 'keys': {
      const keys = await loadKeyMaterial(trust.keys);
      const rekorKeys = await load(requirement.rekorPublicKeys);
      return (sig) => verifySigstoreWithKeys(sig, keys, rekorKeys);
    }
    case 'fulcio': {
      const caCertificates = await loadCaCertificates(trust.ca, 'error loading Fulcio CA certificates');
      const rekorKeys = (await load(requirement.rekorPublicKeys)) ?? [];
      const root = { caCertificates, oidcIssuer: trust.oidcIssuer, subjectEmail: trust.subjectEmail };
      return (sig) => verifySigstoreWithFulcio(sig, root, rekorKeys);
    }
    case 'pki': {
      const caRoots = await loadCaCertificates(trust.caRoots, 'error loading PKI CA Roots certificates');
      const caIntermediates = trust.caIntermediates === undefined ? [] : await loadIntermediateCertificates(trust.caIntermediates);
      const root = { caRoots, caIntermediates, subjectEmail: trust.subjectEmail, subjectHostname: trust.subjectHostname };
      return (sig) => verifySigstoreWithPki(sig, root);
    }
  }
}

function isSigstoreSignature(sig: Signature): sig is SigstoreSignature {
  return sig.format === 'sigstore' && sig.mimeType === SIGSTORE_SIGNATURE_MEDIA_TYPE;
}

interface Claims {
  dockerManifestDigest: string;
  dockerReference: string;
}

/**
 * One accepted signature is enough. Every signature is still checked, so that all that verify
 * are kept with the image. `verify` returns undefined for a signature of another format.
 */
async function acceptSignatures(
  signatures: readonly Signature[],
  verify: (sig: Signature) => Promise<Claims> | undefined,
  rule: SignedIdentity,
  image: ImageUnderPolicy,
  accepted: Set<Signature>,
  skippedText: (skipped: number) => string,
): Promise<string | undefined> {
  const reasons: string[] = [];
  let skipped = 0;
  let any = false;
  for (const sig of signatures) {
    const verifying = verify(sig);
    if (verifying === undefined) {
      skipped++;
      continue;
    }
    try {
      checkClaims(await verifying, rule, image);
      accepted.add(sig);
      any = true;
    } catch (err) {
      if (!(err instanceof SignatureRejection)) throw err;
      reasons.push(err.message);
    }
  }
  if (any) return undefined;
  if (reasons.length === 0) return skipped === 0 ? NO_SIGNATURE : `${NO_SIGNATURE} (${skippedText(skipped)})`;
  if (reasons.length === 1) return reasons[0];
  return `None of the signatures were accepted, reasons: ${reasons.join('; ')}`;
}

/** The digest first (a signature for other bytes says nothing), then the identity. */
function checkClaims(claims: Claims, rule: SignedIdentity, image: ImageUnderPolicy): void {
  const { dockerManifestDigest: digest, dockerReference } = claims;
  if (!isValidDigest(digest) || digestBytes(image.manifest.bytes, parseDigest(digest).algorithm) !== digest) {
    throw new SignatureRejection(`Signature for digest ${claimText(digest)} does not match`);
  }
  const reference: ImageReference | undefined = image.identity.transport === 'docker' ? image.identity.reference : undefined;
  if (!identityMatches(rule, reference, dockerReference)) {
    throw new SignatureRejection(`Signature for identity ${quoted(clipped(dockerReference, 300))} is not accepted`);
  }
}

/** Signed claims are the signer's bytes: cut, and control characters escaped, before a message shows them. */
const claimText = (text: string) => printable(clipped(text, 300));
