/**
 * Sigstore signatures by a certificate of one's own PKI, checked as c/image's signature/pki_cert.go
 * checks them for `sigstoreSigned` with `pki`, in this order and with its messages:
 *
 * 1. the leaf must chain to one of caRoots, through caIntermediates and the chain annotation's
 *    intermediates, every certificate valid now, for code signing (there is no Rekor here: the
 *    current time is the only one there is, as upstream);
 * 2. subjectEmail, when set, must be one of the leaf's SAN emails;
 * 3. subjectHostname, when set, must match the leaf as Go's VerifyHostname matches.
 */
import type { KeyObject } from 'node:crypto';
import { escapeForMessage } from '../config/policy/json.js';
import { distinct } from './certificate-bundles.js';
import { hostnameMismatch } from './hostname.js';
import { SignatureRejection } from './rejection.js';
import { annotationIntermediates, annotationLeaf, requireEmail, verifyLeaf } from './signer-certificate.js';
import type { Certificate } from './x509.js';

export interface PkiTrustRoot {
  caRoots: readonly Certificate[];
  caIntermediates: readonly Certificate[];
  subjectEmail?: string;
  subjectHostname?: string;
}

/** The leaf certificate's key, once the certificate is accepted; else a SignatureRejection. */
export function verifyPkiCertificate(trust: PkiTrustRoot, certificate: string, chain: string | undefined): KeyObject {
  const intermediates = distinct([...trust.caIntermediates, ...annotationIntermediates(chain)]);
  const leaf = annotationLeaf(certificate);
  verifyLeaf(leaf, { roots: trust.caRoots, intermediates, at: Date.now() });
  if (trust.subjectEmail) requireEmail(leaf, trust.subjectEmail);
  if (trust.subjectHostname) {
    const mismatch = hostnameMismatch(leaf, trust.subjectHostname);
    if (mismatch !== undefined) throw new SignatureRejection(`Unexpected subject hostname: ${escapeForMessage(mismatch)}`);
  }
  return leaf.publicKey;
}
