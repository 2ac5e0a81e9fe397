/**
 * Keyless (Fulcio) sigstore signatures, checked as c/image's signature/fulcio_cert.go checks them
 * for `sigstoreSigned` with `fulcio`, in this order and with its messages:
 *
 * 1. the Rekor SET must be the log's and record this signature, by this certificate, over this
 *    payload; its integratedTime is when the signature was made;
 * 2. the leaf must chain to one of the policy's CA certificates through the chain annotation's
 *    intermediates, every certificate valid at integratedTime (Fulcio leaves live ten minutes: a
 *    signature is checked long after its certificate expired), for code signing;
 * 3. the OIDC issuer Fulcio recorded must be the policy's oidcIssuer;
 * 4. the policy's subjectEmail must be one of the leaf's SAN emails.
 *
 * The certificate's SCTs are not checked, deliberately, as upstream: the SET already proves the
 * certificate was logged.
 */
import type { KeyObject } from 'node:crypto';
import { quoteForMessage } from '../config/policy/json.js';
import { DerError, readElement, stringOf } from './der.js';
import { decodePem } from './pem.js';
import { verifyRekorSet } from './rekor-set.js';
import { SignatureRejection } from './rejection.js';
import { annotationIntermediates, annotationLeaf, requireEmail, verifyLeaf } from './signer-certificate.js';
import { OID, type Certificate } from './x509.js';

export interface FulcioTrustRoot {
  caCertificates: readonly Certificate[];
  oidcIssuer: string;
  subjectEmail: string;
}

export interface FulcioSignature {
  /** The transparency log's keys (ECDSA). */
  rekorKeys: readonly KeyObject[];
  /** The signature layer's annotations: `dev.sigstore.cosign/bundle`, `…/certificate`, `…/chain` (optional). */
  set: string;
  certificate: string;
  chain: string | undefined;
  /** `dev.cosignproject.cosign/signature`. */
  base64Signature: string;
  payload: Buffer;
}

/** The leaf certificate's key, once the SET and the certificate are accepted; else a SignatureRejection. */
export function verifyFulcioCertificate(trust: FulcioTrustRoot, signature: FulcioSignature): KeyObject {
  const { rekorKeys, set, certificate, chain, base64Signature, payload } = signature;
  // The log names the certificate itself (its DER) as the signer's "public key".
  const pem = decodePem(certificate);
  if (pem === undefined) throw new SignatureRejection('public key or cert to be matched against publicKey in Rekor SET is not in PEM format');
  if (pem.rest.length !== 0) throw new SignatureRejection('public key or cert to be matched against publicKey in Rekor SET has trailing data');
  const integratedTime = verifyRekorSet({ rekorKeys, set, signerKeyDer: pem.der, base64Signature, payload });

  const intermediates = annotationIntermediates(chain);
  const leaf = annotationLeaf(certificate);
  // Upstream matches SANs itself, so a critical SAN Go would leave unhandled (one without emails,
  // DNS names, IPs or URIs) is no reason to refuse the chain; the email check decides.
  const unhandledCriticalExtensions = leaf.unhandledCriticalExtensions.filter((oid) => oid !== OID.subjectAltName);
  verifyLeaf({ ...leaf, unhandledCriticalExtensions }, { roots: trust.caCertificates, intermediates, at: integratedTime * 1000 });

  const issuer = fulcioIssuer(leaf);
  if (!issuer.equals(Buffer.from(trust.oidcIssuer, 'utf8')))
    throw new SignatureRejection(`Unexpected Fulcio OIDC issuer ${quoteForMessage(issuer.toString('utf8'))}`);
  requireEmail(leaf, trust.subjectEmail);
  return leaf.publicKey;
}

/** Fulcio's issuer extensions: v1 holds the URL's bytes as they are, v2 a DER string. */
const ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/**
 * The OIDC issuer Fulcio recorded, as bytes (compared as Go compares strings). A repeated extension
 * never gets here: parsing refuses duplicate extensions, as Go ≥ 1.19 does.
 */
function fulcioIssuer(leaf: Certificate): Buffer {
  const v1 = leaf.extensions.find((e) => e.oid === ISSUER_V1)?.value;
  const v2Value = leaf.extensions.find((e) => e.oid === ISSUER_V2)?.value;
  const v2 = v2Value === undefined ? undefined : issuerV2(v2Value);
  if (v1 !== undefined && v2 !== undefined && !v1.equals(v2)) {
    throw new SignatureRejection(
      `inconsistent OIDC issuer extension values: v1 ${quoteForMessage(v1.toString('utf8'))}, v2 ${quoteForMessage(v2.toString('utf8'))}`,
    );
  }
  const issuer = v1 ?? v2;
  if (issuer === undefined) throw new SignatureRejection('Fulcio certificate is missing the issuer extension');
  return issuer;
}

/** The v2 value, read as Go's asn1.Unmarshal into a string reads it. */
function issuerV2(value: Buffer): Buffer {
  let read: { text: Buffer; rest: Buffer };
  try {
    const { element, rest } = readElement(value);
    read = { text: stringOf(element), rest };
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    throw new SignatureRejection(`invalid ASN.1 in OIDC issuer v2 extension: asn1: ${err.message}`);
  }
  if (read.rest.length !== 0) throw new SignatureRejection('invalid ASN.1 in OIDC issuer v2 extension, trailing data');
  return read.text;
}
