/**
 * PEM bundles of certificates, read as upstream reads each kind:
 *
 * - the CA files of a policy (fulcio caPath/caData, pki caRootsPath/caRootsData) as Go's
 *   CertPool.AppendCertsFromPEM does: blocks that are not a `CERTIFICATE`, or do not parse, are
 *   skipped, and only a file with none left fails;
 * - pki caIntermediatesPath/caIntermediatesData, and a signature's certificate and chain
 *   annotations, as sigstore's cryptoutils.UnmarshalCertificatesFromPEM does: every block, whatever
 *   its label, must be a certificate.
 *
 * A CA file that cannot be used is a configuration error naming the file, as keys.ts reports keys.
 */
import type { KeySource } from '../config/policy/types.js';
import { HoistError } from '../errors.js';
import { loadKeyMaterial } from './keys.js';
import { decodePem } from './pem.js';
import { CertificateError, parseCertificate, type Certificate } from './x509.js';

/** A signature's certificate or chain annotation holds a few certificates; a longer bundle is refused unread. */
export const MAX_ANNOTATION_CERTIFICATES = 10;

/** Every PEM block of `text` as a certificate; CertificateErrors in sigstore's and Go's words. */
export function certificatesFromPem(text: string, limit = Infinity): Certificate[] {
  const certificates: Certificate[] = [];
  for (let rest = text.trim(); rest.length > 0; ) {
    if (certificates.length === limit) throw new CertificateError('too many certificates specified in PEM block');
    const block = decodePem(rest);
    if (block === undefined) throw new CertificateError('error during PEM decoding');
    certificates.push(parseCertificate(block.der));
    rest = block.rest;
  }
  return certificates;
}

/** Certificates without repeats, as a Go CertPool keeps them (a repeat would only cost signature checks). */
export function distinct(certificates: readonly Certificate[]): Certificate[] {
  return certificates.filter((cert, i) => certificates.findIndex((other) => other.raw.equals(cert.raw)) === i);
}

/** The CA certificates a policy names; `failure` is upstream's message when there is none. */
export async function loadCaCertificates(source: KeySource, failure: string): Promise<Certificate[]> {
  const [bytes] = await loadKeyMaterial([source]);
  const pool: Certificate[] = [];
  let text = bytes!.toString('latin1');
  for (let block = decodePem(text); block !== undefined; block = decodePem(text)) {
    text = block.rest;
    if (block.type !== 'CERTIFICATE') continue;
    try {
      pool.push(parseCertificate(block.der));
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
    }
  }
  if (pool.length === 0)
    throw new HoistError('INVALID_CONFIG', `${describe(source)}: ${failure}`, { hint: 'it must hold X.509 certificates as PEM "CERTIFICATE" blocks' });
  return distinct(pool);
}

/** pki caIntermediatesPath/caIntermediatesData: every block must be a certificate. */
export async function loadIntermediateCertificates(source: KeySource): Promise<Certificate[]> {
  const [bytes] = await loadKeyMaterial([source]);
  try {
    return distinct(certificatesFromPem(bytes!.toString('latin1')));
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    throw new HoistError('INVALID_CONFIG', `${describe(source)}: loading trusted intermediate certificates: ${err.message}`, { cause: err });
  }
}

/** `FILE: JSON path` and, for a file, its path: where keys.ts messages point too. */
function describe(source: KeySource): string {
  const { file, path } = source.where;
  return source.kind === 'path' ? `${file}: ${path} ${JSON.stringify(source.path)}` : `${file}: ${path}`;
}
