/**
 * containers-policy.json(5) as typed data. Parsing (parse.ts) is as strict as containers/image's:
 * whatever reaches these types is valid, so evaluation (trust/) never re-checks the grammar.
 * Every requirement keeps `where`, the JSON path it came from, so messages can point at it.
 */

/** Where a value came from, e.g. `transports.docker."quay.io/ns"[0]`, for messages. */
export interface PolicyLocation {
  file: string;
  /** The JSON path inside the file, e.g. `default[0].keyPath`. */
  path: string;
}

/** A key or CA given inline (base64-decoded `keyData`, `keyDatas[i]`, …) or by file. */
export type KeySource = { kind: 'path'; path: string; where: PolicyLocation } | { kind: 'data'; data: Buffer; where: PolicyLocation };

export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  /** Contains a tag or digest (validated). */
  | { type: 'exactReference'; dockerReference: string }
  /** A repository name without tag or digest (validated). */
  | { type: 'exactRepository'; dockerRepository: string }
  /** Both `host[:port]`, a namespace or a repository; no tag or digest (validated). */
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

export type GpgKeyType = 'GPGKeys' | 'signedByGPGKeys' | 'X509Certificates' | 'signedByX509CAs';

export interface FulcioTrust {
  kind: 'fulcio';
  ca: KeySource;
  oidcIssuer: string;
  subjectEmail: string;
}

export interface PkiTrust {
  kind: 'pki';
  caRoots: KeySource;
  caIntermediates?: KeySource;
  subjectEmail?: string;
  subjectHostname?: string;
}

export interface PublicKeysTrust {
  kind: 'keys';
  /** One or more public keys (keyPath, keyPaths, keyData, keyDatas); any one may verify. */
  keys: KeySource[];
}

export type Requirement = (
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | { type: 'signedBy'; keyType: GpgKeyType; keys: KeySource[]; signedIdentity: SignedIdentity }
  /** Parsed and validated, but containers/image refuses every image with it (not implemented). */
  | { type: 'signedBaseLayer'; baseLayerIdentity: SignedIdentity }
  | {
      type: 'sigstoreSigned';
      trust: PublicKeysTrust | FulcioTrust | PkiTrust;
      /** rekorPublicKeyPath(s)/Data(s): mandatory with fulcio, forbidden with pki, optional with keys. */
      rekorPublicKeys?: KeySource[];
      signedIdentity: SignedIdentity;
    }
) & { where: PolicyLocation };

export type RequirementType = Requirement['type'];

/** The transports policy.json scopes apply to. Others are accepted in the file and never consulted. */
export type PolicyTransport = 'docker' | 'docker-archive' | 'oci' | 'oci-archive' | 'dir';

export interface Policy {
  /** The file it was read from (or a description for an in-memory policy). */
  file: string;
  default: Requirement[];
  /**
   * transport → scope → requirements. A scope `""` is the transport's default. Both levels are
   * prototype-free objects, so a scope named `constructor` or `__proto__` is only ever data.
   */
  transports: Record<string, Record<string, Requirement[]>>;
  /** `file:line:col: path: message` for what is accepted but cannot work (unknown transports, dead scopes). */
  warnings: string[];
}
