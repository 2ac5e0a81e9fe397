/**
 * X.509 certificates read the way Go's crypto/x509 ParseCertificate reads them, since upstream's
 * Fulcio and PKI checks (c/image signature/fulcio_cert.go, pki_cert.go) run on what it accepts.
 * node:crypto parses the certificate and verifies signatures; what Node does not expose (the raw
 * names, basic constraints, key usage bits, each extension with its criticality) comes from the
 * DER. Failures are CertificateErrors in Go's words; callers say what was being read.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import {
  bitStringOf,
  booleanOf,
  DerError,
  expectTag,
  integerOf,
  oidOf,
  readElement,
  readElements,
  readSingle,
  stringOf,
  TAG,
  timeOf,
  type DerElement,
} from './der.js';

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  policyMappings: '2.5.29.33',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  anyExtKeyUsage: '2.5.29.37.0',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

/** The curves Go's x509 parses (P-224, P-256, P-384, P-521), by OpenSSL's names. */
export const GO_CURVES: ReadonlySet<string> = new Set(['secp224r1', 'prime256v1', 'secp384r1', 'secp521r1']);

/** Go's KeyUsageCertSign bit. */
export const KEY_USAGE_CERT_SIGN = 1 << 5;

export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface SubjectAltNames {
  emails: string[];
  dnsNames: string[];
  /** 4 or 16 bytes each, as in the certificate. */
  ipAddresses: Buffer[];
  uris: string[];
}

export interface Certificate {
  /** The DER, as read. */
  raw: Buffer;
  /** Node's view: the public key, and signature verification. */
  node: X509Certificate;
  publicKey: KeyObject;
  version: number;
  serialNumber: bigint;
  /** The OID of the signature algorithm (the same inside and outside the TBS, or parsing fails). */
  signatureAlgorithm: string;
  rawIssuer: Buffer;
  rawSubject: Buffer;
  rawSubjectPublicKeyInfo: Buffer;
  /** The last commonName and the first organization of the subject (Go's pkix.Name), for messages. */
  subject: { commonName?: string; organization?: string };
  /** Milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  extensions: Extension[];
  /** Present with the extension (Go's BasicConstraintsValid); maxPathLen undefined when unlimited. */
  basicConstraints?: { isCA: boolean; maxPathLen?: number };
  /** Go's KeyUsage bits (digitalSignature = 1 … decipherOnly = 256); 0 without the extension. */
  keyUsage: number;
  /** The extended key usage OIDs; none means unrestricted (as Go reads an absent extension). */
  extKeyUsage: string[];
  subjectAltNames?: SubjectAltNames;
  /** Critical extensions Go's parser leaves unhandled: chain verification refuses them. */
  unhandledCriticalExtensions: string[];
}

/** Parses one DER certificate, refusing what Go's ParseCertificate refuses that OpenSSL may accept. */
export function parseCertificate(der: Buffer): Certificate {
  let node: X509Certificate;
  try {
    node = new X509Certificate(der);
  } catch {
    throw new CertificateError('x509: malformed certificate');
  }
  const fields = structure(der);
  let publicKey: KeyObject;
  try {
    publicKey = node.publicKey;
  } catch {
    throw new CertificateError('x509: unsupported public key algorithm');
  }
  if (publicKey.asymmetricKeyType === 'ec' && !GO_CURVES.has(publicKey.asymmetricKeyDetails?.namedCurve ?? ''))
    throw new CertificateError('x509: unsupported elliptic curve');
  return { raw: der, node, publicKey, ...fields, ...extensionFields(fields.extensions) };
}

type Structure = Pick<
  Certificate,
  | 'version'
  | 'serialNumber'
  | 'signatureAlgorithm'
  | 'rawIssuer'
  | 'rawSubject'
  | 'rawSubjectPublicKeyInfo'
  | 'subject'
  | 'notBefore'
  | 'notAfter'
  | 'extensions'
>;

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
function structure(der: Buffer): Structure {
  const parts = step('x509: malformed certificate', () => readElements(readSingle(der, TAG.SEQUENCE).content));
  if (parts.length !== 3) throw new CertificateError('x509: malformed certificate');
  const tbs = step('x509: malformed tbs certificate', () => readElements(expectTag(parts[0]!, TAG.SEQUENCE).content));
  let next = 0;
  const take = () => {
    const element = tbs[next++];
    if (element === undefined) throw new CertificateError('x509: malformed tbs certificate');
    return element;
  };
  const version = tbs[0]?.tag === 0xa0 ? step('x509: malformed version', () => Number(integerOf(readSingle(take().content)))) + 1 : 1;
  if (version < 1 || version > 3) throw new CertificateError(version < 1 ? 'x509: malformed version' : 'x509: invalid version');
  const serialNumber = step('x509: malformed serial number', () => integerOf(take()));
  // Go 1.23 and later refuse these (x509negativeserial).
  if (serialNumber < 0n) throw new CertificateError('x509: negative serial number');
  const innerAlgorithm = expectSequence(take(), 'x509: malformed signature algorithm identifier');
  if (!innerAlgorithm.raw.equals(parts[1]!.raw)) throw new CertificateError("x509: inner and outer signature algorithm identifiers don't match");
  const signatureAlgorithm = step('x509: malformed signature algorithm identifier', () => oidOf(readElement(innerAlgorithm.content).element));
  const issuer = expectSequence(take(), 'x509: malformed issuer');
  const validity = step('x509: malformed validity', () => readElements(expectTag(take(), TAG.SEQUENCE).content).map(timeOf));
  if (validity.length !== 2) throw new CertificateError('x509: malformed validity');
  const subject = expectSequence(take(), 'x509: malformed subject');
  const spki = expectSequence(take(), 'x509: malformed spki');
  // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions [3] exist only in v3 (and Go reads them only there).
  while (next < tbs.length && (tbs[next]!.tag & 0x1f) !== 3) next++;
  const extensionsElement = tbs[next];
  const extensions = version === 3 && extensionsElement !== undefined ? readExtensions(extensionsElement) : [];
  return {
    version,
    serialNumber,
    signatureAlgorithm,
    rawIssuer: issuer.raw,
    rawSubject: subject.raw,
    rawSubjectPublicKeyInfo: spki.raw,
    subject: subjectNames(subject),
    notBefore: validity[0]!,
    notAfter: validity[1]!,
    extensions,
  };
}

/** Extensions ::= [3] EXPLICIT SEQUENCE OF SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function readExtensions(element: DerElement): Extension[] {
  const extensions = step('x509: malformed extensions', () => {
    const list = readElements(readSingle(expectTag(element, 0xa3).content, TAG.SEQUENCE).content);
    return list.map((entry) => {
      const fields = readElements(expectTag(entry, TAG.SEQUENCE).content);
      if (fields.length !== 2 && fields.length !== 3) throw new DerError('malformed extension');
      const critical = fields.length === 3 && booleanOf(fields[1]!);
      return { oid: oidOf(fields[0]!), critical, value: expectTag(fields[fields.length - 1]!, TAG.OCTET_STRING).content };
    });
  });
  const seen = new Set(extensions.map((e) => e.oid));
  if (seen.size !== extensions.length) throw new CertificateError('x509: certificate contains duplicate extensions');
  return extensions;
}

type ExtensionFields = Pick<Certificate, 'basicConstraints' | 'keyUsage' | 'extKeyUsage' | 'subjectAltNames' | 'unhandledCriticalExtensions'>;

/** Go's processExtensions: the extensions it reads, and which critical ones it leaves unhandled. */
function extensionFields(extensions: readonly Extension[]): ExtensionFields {
  const fields: ExtensionFields = { keyUsage: 0, extKeyUsage: [], unhandledCriticalExtensions: [] };
  for (const { oid, critical, value } of extensions) {
    let handled = true;
    switch (oid) {
      case OID.keyUsage:
        fields.keyUsage = step('x509: invalid key usage', () => keyUsageBits(bitStringOf(readSingle(value))));
        break;
      case OID.basicConstraints:
        fields.basicConstraints = step('x509: invalid basic constraints', () => basicConstraints(value));
        break;
      case OID.extKeyUsage:
        fields.extKeyUsage = step('x509: invalid extended key usages', () => readElements(readSingle(value, TAG.SEQUENCE).content).map(oidOf));
        break;
      case OID.subjectAltName:
        fields.subjectAltNames = subjectAltNames(value);
        // Go records a critical SAN as unhandled when it holds none of the four name types it reads.
        handled = Object.values(fields.subjectAltNames).some((names) => names.length > 0);
        break;
      default:
        handled = HANDLED_ELSEWHERE.has(oid);
    }
    if (critical && !handled) fields.unhandledCriticalExtensions.push(oid);
  }
  return fields;
}

/**
 * Extensions Go's parser understands beyond those read above: name constraints, CRL distribution
 * points, authority and subject key identifiers, policies, policy mappings and constraints,
 * inhibitAnyPolicy, authority information access. x509-chain.ts refuses the ones that restrict a
 * chain in ways hoist does not evaluate.
 */
const HANDLED_ELSEWHERE: ReadonlySet<string> = new Set([
  '2.5.29.30',
  '2.5.29.31',
  '2.5.29.35',
  '2.5.29.36',
  '2.5.29.14',
  '2.5.29.32',
  '2.5.29.33',
  '2.5.29.54',
  '1.3.6.1.5.5.7.1.1',
]);

/** Bit i of the BIT STRING (from the first octet's high bit) is Go's 1 << i, for the nine defined bits. */
function keyUsageBits(bits: Buffer): number {
  let usage = 0;
  for (let i = 0; i < 9; i++) if ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) usage |= 1 << i;
  return usage;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }. */
function basicConstraints(value: Buffer): { isCA: boolean; maxPathLen?: number } {
  const fields = readElements(readSingle(value, TAG.SEQUENCE).content);
  let at = 0;
  const isCA = fields[at]?.tag === TAG.BOOLEAN ? booleanOf(fields[at++]!) : false;
  const pathLen = fields[at]?.tag === TAG.INTEGER ? integerOf(fields[at++]!) : undefined;
  if (at !== fields.length || (pathLen !== undefined && (pathLen < 0n || pathLen > 2n ** 31n))) throw new DerError('invalid basic constraints');
  return pathLen === undefined ? { isCA } : { isCA, maxPathLen: Number(pathLen) };
}

/** GeneralNames, of which Go keeps rfc822Name [1], dNSName [2], URI [6] and iPAddress [7]. */
function subjectAltNames(value: Buffer): SubjectAltNames {
  const names: SubjectAltNames = { emails: [], dnsNames: [], ipAddresses: [], uris: [] };
  const entries = step('x509: invalid subject alternative names', () => readElements(readSingle(value, TAG.SEQUENCE).content));
  const ia5 = (bytes: Buffer, type: string) => {
    if (bytes.some((b) => b >= 0x80)) throw new CertificateError(`x509: SAN ${type} is malformed`);
    return bytes.toString('latin1');
  };
  for (const { tag, content } of entries) {
    if (tag === 0x81) names.emails.push(ia5(content, 'rfc822Name'));
    else if (tag === 0x82) names.dnsNames.push(ia5(content, 'dNSName'));
    else if (tag === 0x86) names.uris.push(ia5(content, 'uniformResourceIdentifier'));
    else if (tag === 0x87) {
      if (content.length !== 4 && content.length !== 16) throw new CertificateError(`x509: cannot parse IP address of length ${content.length}`);
      names.ipAddresses.push(content);
    }
  }
  return names;
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type, value }: the last CN and the first O, as Go fills pkix.Name. */
function subjectNames(name: DerElement): { commonName?: string; organization?: string } {
  const found: { commonName?: string; organization?: string } = {};
  const attributes = step('x509: invalid RDNSequence', () =>
    readElements(name.content).flatMap((rdn) => readElements(expectTag(rdn, TAG.SET).content).map((atv) => readElements(expectTag(atv, TAG.SEQUENCE).content))),
  );
  for (const [type, value] of attributes) {
    if (type === undefined || value === undefined) throw new CertificateError('x509: invalid RDNSequence');
    const oid = step('x509: invalid RDNSequence', () => oidOf(type));
    const text = step('x509: invalid RDNSequence: invalid attribute value', () => stringOf(value)).toString('utf8');
    if (oid === OID.commonName) found.commonName = text;
    if (oid === OID.organization) found.organization ??= text;
  }
  return found;
}

function expectSequence(element: DerElement, message: string): DerElement {
  if (element.tag !== TAG.SEQUENCE) throw new CertificateError(message);
  return element;
}

/** Runs a DER read, turning its failure into Go's message for that part. */
function step<T>(message: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof DerError) throw new CertificateError(message);
    throw err;
  }
}
