/**
 * The certificate a sigstore signature carries, as c/image reads it for Fulcio and PKI
 * (signature/fulcio_cert.go, pki_cert.go): the leaf in `dev.sigstore.cosign/certificate`, and in
 * `dev.sigstore.cosign/chain` the rest of its chain as cosign writes it, intermediates then the
 * root. That last certificate is dropped: what is trusted is the policy's to say. The checks both
 * Fulcio and PKI make of the leaf are here too, with upstream's messages.
 */
import { clipped, quoted } from '../errors.js';
import { certificatesFromPem, MAX_ANNOTATION_CERTIFICATES } from './certificate-bundles.js';
import { SignatureRejection } from './rejection.js';
import { ChainError, verifyChain, type ChainOptions } from './x509-chain.js';
import { CertificateError, type Certificate } from './x509.js';

/** The intermediates of the chain annotation: all its certificates but the last. */
export function annotationIntermediates(chain: string | undefined): Certificate[] {
  if (chain === undefined) return [];
  return reading('loading certificate chain', () => certificatesFromPem(chain, MAX_ANNOTATION_CERTIFICATES)).slice(0, -1);
}

/** The one certificate of the certificate annotation. */
export function annotationLeaf(certificate: string): Certificate {
  const certificates = reading('parsing leaf certificate', () => certificatesFromPem(certificate, MAX_ANNOTATION_CERTIFICATES));
  if (certificates.length === 0) throw new SignatureRejection('no certificate found in signature certificate data');
  if (certificates.length > 1) throw new SignatureRejection('unexpected multiple certificates present in signature certificate data');
  return certificates[0]!;
}

/** The leaf chains to a root through the intermediates, valid at `options.at`, for code signing. */
export function verifyLeaf(leaf: Certificate, options: ChainOptions): void {
  try {
    verifyChain(leaf, options);
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    // (sic) upstream's spelling.
    throw new SignatureRejection(`veryfing leaf certificate failed: ${err.message}`, { cause: err });
  }
}

/** `email` must be one of the leaf's SAN emails, exactly. */
export function requireEmail(leaf: Certificate, email: string): void {
  const emails = leaf.subjectAltNames?.emails ?? [];
  if (emails.includes(email)) return;
  // Go's %q of a []string: ["a" "b"].
  const got = clipped(`[${emails.map((e) => quoted(clipped(e, 200))).join(' ')}]`, 1000);
  throw new SignatureRejection(`Required email ${quoted(clipped(email, 200))} not found (got ${got})`);
}

function reading<T>(context: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof CertificateError) throw new SignatureRejection(`${context}: ${err.message}`, { cause: err });
    throw err;
  }
}
