/**
 * Chain verification as Go's x509.Certificate.Verify does it for upstream's Fulcio and PKI checks
 * (c/image signature/fulcio_cert.go and pki_cert.go ask for ExtKeyUsage CodeSigning, with their own
 * roots and intermediates, at a time they choose), with its messages:
 *
 * - the leaf, every intermediate and the root must be valid at that time;
 * - an issuer is a certificate whose subject is, byte for byte, the child's issuer, that may sign
 *   certificates (basic constraints CA, keyCertSign when it has a key usage) and whose key verifies
 *   the child's signature, with SHA-1 and MD5 refused; intermediates must be CAs, and path length
 *   constraints hold;
 * - critical extensions Go does not handle refuse the certificate;
 * - extended key usage nests: every certificate that lists usages must allow code signing (or any).
 *
 * What Go evaluates and hoist does not is refused rather than ignored: name constraints on a CA,
 * and the policy constraints and mappings that can make Go's policy validation fail.
 */
import type { KeyObject } from 'node:crypto';
import { clipped, quoted } from '../errors.js';
import { KEY_USAGE_CERT_SIGN, OID, type Certificate } from './x509.js';

export interface ChainOptions {
  /** Trust anchors (c/image: caPath/caData, caRootsPath/caRootsData). */
  roots: readonly Certificate[];
  /** Untrusted certificates that may link the leaf to a root. */
  intermediates: readonly Certificate[];
  /** The time every certificate must be valid at, in milliseconds since the epoch. */
  at: number;
}

/** Go's maxChainSignatureChecks: however the pools are built, at most this many signatures are checked. */
const MAX_SIGNATURE_CHECKS = 100;
/** Leaf, intermediates and root: longer chains are not looked for. */
const MAX_CHAIN_LENGTH = 10;

/** The chain from `leaf` to a root (leaf first), or the reason there is none, in Go's words. */
export function verifyChain(leaf: Certificate, options: ChainOptions): Certificate[] {
  const leafProblem = validityProblem(leaf, 'leaf', [], options.at);
  if (leafProblem !== undefined) throw new ChainError(leafProblem);
  const candidates = options.roots.some((root) => root.raw.equals(leaf.raw)) ? [[leaf]] : buildChains([leaf], { checks: 0 }, options);
  const policyValid = candidates.filter((chain) => !chain.slice(0, -1).some(restrictsPolicies));
  if (policyValid.length === 0) throw new ChainError('x509: no valid chains built: all candidate chains have invalid policies');
  const usable = policyValid.find(allowsCodeSigning);
  if (usable !== undefined) return usable;
  const invalidPolicies = candidates.length - policyValid.length;
  if (invalidPolicies === 0) throw new ChainError('x509: certificate specifies an incompatible key usage');
  throw new ChainError(
    `x509: no valid chains built: ${policyValid.length} chains with incompatible key usage, ${invalidPolicies} chains with invalid policies`,
  );
}

export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

type Role = 'leaf' | 'intermediate' | 'root';

/**
 * Go's buildChains, depth first: roots before intermediates. The error kept is Go's: that of the
 * last candidate to get past its signature check, else "unknown authority" with a hint at the
 * first candidate that failed.
 */
function buildChains(chain: readonly Certificate[], budget: { checks: number }, options: ChainOptions): Certificate[][] {
  const child = chain[chain.length - 1]!;
  const found: Certificate[][] = [];
  let error: string | undefined;
  let hint: { problem: string; candidate: Certificate } | undefined;
  const consider = (candidate: Certificate, role: Role) => {
    if (alreadyInChain(candidate, chain)) return;
    if (++budget.checks > MAX_SIGNATURE_CHECKS) {
      error = 'x509: signature check attempts limit reached while verifying certificate chain';
      return;
    }
    const signature = signatureProblem(child, candidate);
    if (signature !== undefined) {
      hint ??= { problem: signature, candidate };
      return;
    }
    error =
      validityProblem(candidate, role, chain, options.at) ??
      (role === 'intermediate' && chain.length + 2 > MAX_CHAIN_LENGTH ? `x509: certificate chain longer than ${MAX_CHAIN_LENGTH} certificates` : undefined);
    if (error !== undefined) {
      hint ??= { problem: error, candidate };
      return;
    }
    if (role === 'root') {
      found.push([...chain, candidate]);
      return;
    }
    try {
      found.push(...buildChains([...chain, candidate], budget, options));
      error = undefined;
    } catch (err) {
      if (!(err instanceof ChainError)) throw err;
      error = err.message;
    }
  };
  for (const root of options.roots) if (root.rawSubject.equals(child.rawIssuer)) consider(root, 'root');
  for (const intermediate of options.intermediates) if (intermediate.rawSubject.equals(child.rawIssuer)) consider(intermediate, 'intermediate');
  if (found.length > 0) return found;
  throw new ChainError(error ?? unknownAuthority(hint));
}

/** Go's UnknownAuthorityError text, naming the candidate by CN, else O, else serial number. */
function unknownAuthority(hint: { problem: string; candidate: Certificate } | undefined): string {
  const text = 'x509: certificate signed by unknown authority';
  if (hint === undefined) return text;
  const { commonName, organization } = hint.candidate.subject;
  const name = commonName || organization || `serial:${hint.candidate.serialNumber}`;
  return `${text} (possibly because of ${quoted(hint.problem)} while trying to verify candidate authority certificate ${quoted(clipped(name, 200))})`;
}

/** Go's alreadyInChain: same subject, same key and same SAN (or none): a loop, not a new issuer. */
function alreadyInChain(candidate: Certificate, chain: readonly Certificate[]): boolean {
  const san = (c: Certificate) => c.extensions.find((e) => e.oid === OID.subjectAltName)?.value;
  return chain.some((c) => {
    if (!c.rawSubject.equals(candidate.rawSubject) || !c.rawSubjectPublicKeyInfo.equals(candidate.rawSubjectPublicKeyInfo)) return false;
    const [a, b] = [san(c), san(candidate)];
    return a === undefined || b === undefined ? a === b : a.equals(b);
  });
}

/** Go's isValid, as far as it applies here; undefined when the certificate may take that place in the chain. */
function validityProblem(cert: Certificate, role: Role, chain: readonly Certificate[], at: number): string | undefined {
  if (cert.unhandledCriticalExtensions.length > 0) return 'x509: unhandled critical extension';
  if (at < cert.notBefore) return `x509: certificate has expired or is not yet valid: current time ${rfc3339(at)} is before ${rfc3339(cert.notBefore)}`;
  if (at > cert.notAfter) return `x509: certificate has expired or is not yet valid: current time ${rfc3339(at)} is after ${rfc3339(cert.notAfter)}`;
  if (role !== 'leaf' && cert.extensions.some((e) => e.oid === OID.nameConstraints))
    return 'x509: name constraints on a root or intermediate certificate are not supported by hoist';
  if (role === 'intermediate' && !cert.basicConstraints?.isCA) return 'x509: certificate is not authorized to sign other certificates';
  const maxPathLen = cert.basicConstraints?.maxPathLen;
  if (maxPathLen !== undefined && chain.length - 1 > maxPathLen) return 'x509: too many intermediates for path length constraint';
  return undefined;
}

/** Go's CheckSignatureFrom: may `parent` sign certificates, with an algorithm Go accepts, and did it sign `child`? */
function signatureProblem(child: Certificate, parent: Certificate): string | undefined {
  const constraints = parent.basicConstraints;
  if (
    (parent.version === 3 && constraints === undefined) ||
    (constraints !== undefined && !constraints.isCA) ||
    (parent.keyUsage !== 0 && (parent.keyUsage & KEY_USAGE_CERT_SIGN) === 0)
  ) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  const keyType = GO_KEY_TYPES[parent.publicKey.asymmetricKeyType ?? ''];
  const algorithm = SIGNATURE_ALGORITHMS[child.signatureAlgorithm];
  if (keyType === undefined || algorithm === undefined) return 'x509: cannot verify signature: algorithm unimplemented';
  if (algorithm.insecure) return `x509: cannot verify signature: insecure algorithm ${algorithm.name}`;
  if (algorithm.key !== keyType.name)
    return `x509: signature algorithm specifies an ${algorithm.key} public key, but have public key of type ${keyType.goType}`;
  return verifies(child, parent.publicKey) ? undefined : keyType.failure;
}

function verifies(child: Certificate, key: KeyObject): boolean {
  try {
    return child.node.verify(key);
  } catch {
    // OpenSSL refuses some malformed signatures outright rather than returning false.
    return false;
  }
}

/** The key types Go verifies certificate signatures with, and its words when one does not verify. */
const GO_KEY_TYPES: Record<string, { name: string; goType: string; failure: string }> = {
  rsa: { name: 'RSA', goType: '*rsa.PublicKey', failure: 'crypto/rsa: verification error' },
  ec: { name: 'ECDSA', goType: '*ecdsa.PublicKey', failure: 'x509: ECDSA verification failure' },
  ed25519: { name: 'Ed25519', goType: 'ed25519.PublicKey', failure: 'x509: Ed25519 verification failure' },
};

/**
 * Signature algorithms by OID, with Go's names: those it verifies, and those it refuses as insecure.
 * Any other (MD2, DSA with SHA-256, unknown ones) is "algorithm unimplemented".
 */
const SIGNATURE_ALGORITHMS: Record<string, { name: string; key: string; insecure?: true }> = {
  '1.2.840.113549.1.1.4': { name: 'MD5-RSA', key: 'RSA', insecure: true },
  '1.2.840.113549.1.1.5': { name: 'SHA1-RSA', key: 'RSA', insecure: true },
  '1.2.840.10040.4.3': { name: 'DSA-SHA1', key: 'DSA', insecure: true },
  '1.2.840.10045.4.1': { name: 'ECDSA-SHA1', key: 'ECDSA', insecure: true },
  '1.2.840.113549.1.1.11': { name: 'SHA256-RSA', key: 'RSA' },
  '1.2.840.113549.1.1.12': { name: 'SHA384-RSA', key: 'RSA' },
  '1.2.840.113549.1.1.13': { name: 'SHA512-RSA', key: 'RSA' },
  // RSASSA-PSS: OpenSSL applies the parameters in the certificate.
  '1.2.840.113549.1.1.10': { name: 'RSAPSS', key: 'RSA' },
  '1.2.840.10045.4.3.2': { name: 'ECDSA-SHA256', key: 'ECDSA' },
  '1.2.840.10045.4.3.3': { name: 'ECDSA-SHA384', key: 'ECDSA' },
  '1.2.840.10045.4.3.4': { name: 'ECDSA-SHA512', key: 'ECDSA' },
  '1.3.101.112': { name: 'Ed25519', key: 'Ed25519' },
};

/**
 * Go's checkChainForKeyUsage for CodeSigning alone: a certificate without extended key usages is
 * unrestricted, one with anyExtendedKeyUsage allows everything, any other must list code signing.
 */
function allowsCodeSigning(chain: readonly Certificate[]): boolean {
  return chain.every(({ extKeyUsage: usages }) => usages.length === 0 || usages.includes(OID.anyExtKeyUsage) || usages.includes(OID.codeSigning));
}

/**
 * Policy constraints and mappings are what can make Go's RFC 5280 §6.1 policy validation fail
 * (without them, explicit policy is never required). hoist does not run that validation, so a
 * chain whose non-root certificates carry them counts as one with invalid policies.
 */
function restrictsPolicies(cert: Certificate): boolean {
  return cert.extensions.some((e) => e.oid === OID.policyConstraints || e.oid === OID.policyMappings);
}

/** Go's time.RFC3339, in UTC. */
function rfc3339(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${Math.floor(ms / 1000)} seconds after the epoch` : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
