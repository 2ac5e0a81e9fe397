/** The requirement objects of policy.json, each type with exactly its own fields. */
import { expect, typed, requiredString, type Context, type Fields } from './fields.js';
import { quoteForMessage as q, type JsonPath, type JsonValue } from './json.js';
import { identityField, MATCH_REPO_DIGEST_OR_EXACT } from './signed-identity.js';
import type { FulcioTrust, GpgKeyType, KeySource, PkiTrust, Requirement, RequirementType, SignedIdentity } from './types.js';

const KEY_SOURCES = ['keyPath', 'keyPaths', 'keyData'] as const;
const SIGSTORE_TRUST = ['keyPath', 'keyPaths', 'keyData', 'keyDatas', 'fulcio', 'pki'] as const;
const REKOR_KEYS = ['rekorPublicKeyPath', 'rekorPublicKeyPaths', 'rekorPublicKeyData', 'rekorPublicKeyDatas'] as const;

const REQUIREMENT_FIELDS: Record<RequirementType, readonly string[]> = {
  insecureAcceptAnything: ['type'],
  reject: ['type'],
  signedBy: ['type', 'keyType', ...KEY_SOURCES, 'signedIdentity'],
  signedBaseLayer: ['type', 'baseLayerIdentity'],
  sigstoreSigned: ['type', ...SIGSTORE_TRUST, ...REKOR_KEYS, 'signedIdentity'],
};

const GPG_KEY_TYPES: readonly string[] = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'] satisfies GpgKeyType[];

export function requirementList(ctx: Context, value: JsonValue, path: JsonPath): Requirement[] {
  const list = expect(ctx, value, path, 'array');
  if (list.items.length === 0) ctx.fail(list.at, path, 'List of verification policy requirements must not be empty');
  return list.items.map((item, i) => requirement(ctx, item, [...path, i]));
}

function requirement(ctx: Context, value: JsonValue, path: JsonPath): Requirement {
  const { type, obj } = typed(ctx, value, path, REQUIREMENT_FIELDS, 'policy requirement');
  const where = ctx.where(path);
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      return { type, where };
    case 'signedBy':
      return { type, ...signedBy(obj), where };
    case 'signedBaseLayer':
      return { type, baseLayerIdentity: identityField(obj, 'baseLayerIdentity'), where };
    case 'sigstoreSigned':
      return { type, ...sigstoreSigned(obj), where };
  }
}

function signedBy(obj: Fields): { keyType: GpgKeyType; keys: KeySource[]; signedIdentity: SignedIdentity } {
  const keyType = obj.string('keyType');
  if (keyType === undefined) obj.fail('keyType not specified');
  if (!GPG_KEY_TYPES.includes(keyType)) obj.ctx.fail(obj.get('keyType')!.value.at, obj.pathOf('keyType'), `Unrecognized keyType value ${q(keyType)}`);
  const source = obj.oneOf(KEY_SOURCES, {
    none: 'Exactly one of keyPath, keyPaths and keyData must be specified, none of them present',
    many: 'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present',
  })!;
  return { keyType: keyType as GpgKeyType, keys: obj.keySources(source), signedIdentity: identityField(obj, 'signedIdentity', MATCH_REPO_DIGEST_OR_EXACT) };
}

type SigstoreFields = Omit<Extract<Requirement, { type: 'sigstoreSigned' }>, 'type' | 'where'>;

function sigstoreSigned(obj: Fields): SigstoreFields {
  const exactlyOne = 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified';
  const source = obj.oneOf(SIGSTORE_TRUST, { none: `${exactlyOne}, none of them present`, many: `${exactlyOne}, more than one present` })!;
  const rekorNames = 'rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas';
  const rekor = obj.oneOf(REKOR_KEYS, { many: `at most one of ${rekorNames} can be used simultaneously` });
  const trust: SigstoreFields['trust'] =
    source === 'fulcio'
      ? fulcio(obj.child('fulcio', FULCIO_FIELDS))
      : source === 'pki'
        ? pki(obj.child('pki', PKI_FIELDS))
        : { kind: 'keys', keys: obj.keySources(source) };
  if (trust.kind === 'fulcio' && rekor === undefined) obj.fail(`At least one of ${rekorNames} must be specified if fulcio is used`);
  if (trust.kind === 'pki' && rekor !== undefined) obj.fail(`${rekorNames} are not supported for pki`, obj.get(rekor)!.keyAt);
  const fields: SigstoreFields = { trust, signedIdentity: identityField(obj, 'signedIdentity', MATCH_REPO_DIGEST_OR_EXACT) };
  if (rekor !== undefined) fields.rekorPublicKeys = obj.keySources(rekor);
  return fields;
}

const FULCIO_FIELDS = ['caPath', 'caData', 'oidcIssuer', 'subjectEmail'];

function fulcio(obj: Fields): FulcioTrust {
  const ca = obj.oneOf(['caPath', 'caData'], {
    none: 'At least one of caPath and caData must be specified',
    many: 'caPath and caData cannot be used simultaneously',
  })!;
  return { kind: 'fulcio', ca: obj.keySources(ca)[0]!, oidcIssuer: requiredString(obj, 'oidcIssuer'), subjectEmail: requiredString(obj, 'subjectEmail') };
}

const PKI_FIELDS = ['caRootsPath', 'caRootsData', 'caIntermediatesPath', 'caIntermediatesData', 'subjectEmail', 'subjectHostname'];

function pki(obj: Fields): PkiTrust {
  const roots = obj.oneOf(['caRootsPath', 'caRootsData'], {
    none: 'At least one of caRootsPath and caRootsData must be specified',
    many: 'caRootsPath and caRootsData cannot be used simultaneously',
  })!;
  const intermediates = obj.oneOf(['caIntermediatesPath', 'caIntermediatesData'], {
    many: 'caIntermediatesPath and caIntermediatesData cannot be used simultaneously',
  });
  const trust: PkiTrust = { kind: 'pki', caRoots: obj.keySources(roots)[0]! };
  if (intermediates !== undefined) trust.caIntermediates = obj.keySources(intermediates)[0]!;
  // As in containers/image, "" is the same as absent.
  const subjectEmail = obj.string('subjectEmail');
  const subjectHostname = obj.string('subjectHostname');
  if (subjectEmail) trust.subjectEmail = subjectEmail;
  if (subjectHostname) trust.subjectHostname = subjectHostname;
  if (!subjectEmail && !subjectHostname) obj.fail('At least one of subjectEmail, subjectHostname must be specified');
  return trust;
}
