/**
 * containers-policy.json(5), parsed as strictly as containers/image does (signature/policy_config*.go,
 * its "paranoid" JSON): unknown and duplicate keys are errors, and each requirement type and identity
 * form takes exactly its own fields. The wording of messages follows containers/image; hoist adds
 * where: every error is `file:line:col: <JSON path>: <message>`.
 *
 * Where hoist is deliberately stricter than containers/image, only for values that could never work:
 * empty key paths, key data and key lists; `exactRepository` with a tag or digest; remapIdentity
 * prefixes without a registry. Where containers/image is silent about a mistake (a docker scope
 * that can never match, a transport name nobody knows), hoist warns.
 */
import { posix } from 'node:path';
import { HoistError, isHoistError } from '../../errors.js';
import { formatReference, parseReference, parseReferenceParts } from '../../reference/index.js';
import {
  escapeForMessage,
  JsonSyntaxError,
  parseJsonObject,
  quoteForMessage as q,
  type JsonKind,
  type JsonMember,
  type JsonObject,
  type JsonPath,
  type JsonPosition,
  type JsonValue,
} from './json.js';
import type {
  FulcioTrust,
  GpgKeyType,
  KeySource,
  PkiTrust,
  Policy,
  PolicyLocation,
  PolicyTransport,
  Requirement,
  RequirementType,
  SignedIdentity,
} from './types.js';

const HINT = 'see containers-policy.json(5)';

const HOIST_TRANSPORTS: readonly string[] = ['docker', 'docker-archive', 'oci', 'oci-archive', 'dir'] satisfies PolicyTransport[];
/**
 * containers/image transports hoist never pulls from. Shared policy files name them (the upstream
 * default policy has `docker-daemon`), so they are kept without a warning, and their scopes are not
 * checked because hoist never consults them.
 */
const OTHER_KNOWN_TRANSPORTS: readonly string[] = ['docker-daemon', 'containers-storage', 'atomic', 'sif', 'tarball', 'ostree'];

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

const IDENTITY_FIELDS: Record<SignedIdentity['type'], readonly string[]> = {
  matchExact: ['type'],
  matchRepoDigestOrExact: ['type'],
  matchRepository: ['type'],
  exactReference: ['type', 'dockerReference'],
  exactRepository: ['type', 'dockerRepository'],
  remapIdentity: ['type', 'prefix', 'signedPrefix'],
};

const GPG_KEY_TYPES: readonly string[] = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'] satisfies GpgKeyType[];

/** Parses policy.json text; any problem is INVALID_CONFIG naming `file:line:col` and the JSON path. */
export function parsePolicy(text: string, file: string): Policy {
  const ctx = new Context(file);
  let root: JsonObject;
  try {
    root = parseJsonObject(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) ctx.fail(err.at, err.path, err.reason, err);
    throw err;
  }
  const top: Fields = new Fields(ctx, root, [], ['default', 'transports']);
  const defaultMember = top.get('default');
  if (defaultMember === undefined) top.fail('Default policy is missing');
  const policy: Policy = { file, default: requirementList(ctx, defaultMember.value, ['default']), transports: Object.create(null), warnings: ctx.warnings };
  const transports = top.get('transports');
  if (transports !== undefined) policy.transports = transportMap(ctx, transports.value, ['transports']);
  return policy;
}

/** Builds messages and locations for one file; collects its warnings. */
class Context {
  readonly warnings: string[] = [];

  constructor(readonly file: string) {}

  fail(at: JsonPosition, path: JsonPath, message: string, cause?: unknown): never {
    throw new HoistError('INVALID_CONFIG', this.describe(at, path, message), { hint: HINT, cause });
  }

  warn(at: JsonPosition, path: JsonPath, message: string): void {
    this.warnings.push(this.describe(at, path, message));
  }

  where(path: JsonPath): PolicyLocation {
    return { file: this.file, path: formatPath(path) };
  }

  private describe(at: JsonPosition, path: JsonPath, message: string): string {
    const label = formatPath(path);
    return `${this.file}:${at.line}:${at.column}: ${label ? `${label}: ` : ''}${message}`;
  }
}

/** `transports.docker."quay.io/x"[0].keyPaths[1]`: plain keys bare, others quoted (and made safe to print). */
function formatPath(path: JsonPath): string {
  let label = '';
  for (const segment of path) {
    if (typeof segment === 'number') label += `[${segment}]`;
    else label += `${label ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(segment) ? segment : q(segment)}`;
  }
  return label;
}

const KIND_NAMES: Record<JsonKind, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

function expect<K extends JsonKind>(ctx: Context, value: JsonValue, path: JsonPath, kind: K): Extract<JsonValue, { kind: K }> {
  if (value.kind !== kind) ctx.fail(value.at, path, `must be ${KIND_NAMES[kind]}, not ${KIND_NAMES[value.kind]}`);
  return value as Extract<JsonValue, { kind: K }>;
}

/** One JSON object whose keys have all been checked against the allowed ones. */
class Fields {
  private readonly byKey = new Map<string, JsonMember>();

  constructor(
    readonly ctx: Context,
    readonly object: JsonObject,
    readonly path: JsonPath,
    allowed: readonly string[],
  ) {
    for (const member of object.members) {
      if (!allowed.includes(member.key)) ctx.fail(member.keyAt, path, `Unknown key ${q(member.key)}`);
      this.byKey.set(member.key, member);
    }
  }

  get(key: string): JsonMember | undefined {
    return this.byKey.get(key);
  }

  /** An error about this object as a whole, at its `{` unless a key is more to the point. */
  fail(message: string, at: JsonPosition = this.object.at): never {
    this.ctx.fail(at, this.path, message);
  }

  pathOf(key: string): JsonPath {
    return [...this.path, key];
  }

  string(key: string): string | undefined {
    const member = this.get(key);
    return member === undefined ? undefined : expect(this.ctx, member.value, this.pathOf(key), 'string').value;
  }

  /**
   * Which of `keys` is given, when at most one may be. `none` makes one mandatory; a second one is
   * reported at its own key.
   */
  oneOf<K extends string>(keys: readonly K[], messages: { many: string; none?: string }): K | undefined {
    const present = this.object.members.filter((member) => (keys as readonly string[]).includes(member.key));
    if (present.length > 1) this.fail(messages.many, present[1]!.keyAt);
    if (present.length === 0 && messages.none !== undefined) this.fail(messages.none);
    return present[0]?.key as K | undefined;
  }

  child(key: string, allowed: readonly string[]): Fields {
    const path = this.pathOf(key);
    return new Fields(this.ctx, expect(this.ctx, this.get(key)!.value, path, 'object'), path, allowed);
  }

  /**
   * The key material named by `key`; its name says its form: `…Path` one file, `…Paths` a list of
   * files, `…Data` one base64 value, `…Datas` a list of them.
   */
  keySources(key: string): KeySource[] {
    const path = this.pathOf(key);
    const value = this.get(key)!.value;
    const isData = /Datas?$/.test(key);
    if (!/s$/.test(key)) return [keySource(this.ctx, value, path, isData)];
    const list = expect(this.ctx, value, path, 'array');
    if (list.items.length === 0) this.ctx.fail(list.at, path, `${q(key)} contains no entries`);
    return list.items.map((item, i) => keySource(this.ctx, item, [...path, i], isData));
  }

  /** A signedIdentity-like member; `fallback` when it is absent (or an error when there is none). */
  identity(key: string, fallback?: SignedIdentity): SignedIdentity {
    const member = this.get(key);
    if (member !== undefined) return signedIdentity(this.ctx, member.value, this.pathOf(key));
    if (fallback === undefined) this.fail(`${key} not specified`);
    return fallback;
  }
}

function keySource(ctx: Context, value: JsonValue, path: JsonPath, isData: boolean): KeySource {
  const text = expect(ctx, value, path, 'string').value;
  // containers/image accepts empty ones, which can only fail later when the key is read.
  if (text === '') ctx.fail(value.at, path, 'must not be empty');
  const where = ctx.where(path);
  if (!isData) return { kind: 'path', path: text, where };
  return { kind: 'data', data: decodeBase64(ctx, value.at, path, text), where };
}

/** Go's encoding/json reading a []byte: standard base64 with padding; line breaks are ignored. */
function decodeBase64(ctx: Context, at: JsonPosition, path: JsonPath, text: string): Buffer {
  const compact = text.replace(/[\r\n]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
    ctx.fail(at, path, 'must be base64 (the standard alphabet, with padding)');
  }
  return Buffer.from(compact, 'base64');
}

function transportMap(ctx: Context, value: JsonValue, path: JsonPath): Policy['transports'] {
  const transports: Policy['transports'] = Object.create(null);
  for (const member of expect(ctx, value, path, 'object').members) {
    if (!HOIST_TRANSPORTS.includes(member.key) && !OTHER_KNOWN_TRANSPORTS.includes(member.key)) {
      ctx.warn(member.keyAt, path, `unknown transport ${q(member.key)}, ignored (hoist reads ${HOIST_TRANSPORTS.join(', ')})`);
    }
    transports[member.key] = scopeMap(ctx, member.key, member.value, [...path, member.key]);
  }
  return transports;
}

function scopeMap(ctx: Context, transport: string, value: JsonValue, path: JsonPath): Record<string, Requirement[]> {
  const scopes: Record<string, Requirement[]> = Object.create(null);
  for (const member of expect(ctx, value, path, 'object').members) {
    if (member.key !== '') checkScope(ctx, transport, member, path);
    scopes[member.key] = requirementList(ctx, member.value, [...path, member.key]);
  }
  return scopes;
}

/** containers/image's ValidatePolicyConfigurationScope for the transports hoist reads, with its reasons shown. */
function checkScope(ctx: Context, transport: string, member: JsonMember, path: JsonPath): void {
  const scope = member.key;
  let problem: string | undefined;
  switch (transport) {
    case 'docker': {
      // containers/image accepts any docker scope; a dead one is worth a warning, not a refusal.
      const warning = dockerScopeWarning(scope);
      if (warning !== undefined) ctx.warn(member.keyAt, path, warning);
      return;
    }
    case 'docker-archive':
      problem = 'docker-archive does not support any scopes except the default "" one';
      break;
    case 'oci':
    case 'oci-archive':
    case 'dir':
      problem = pathScopeProblem(scope);
      break;
  }
  if (problem !== undefined) ctx.fail(member.keyAt, path, `Invalid scope ${q(scope)}: ${problem}`);
}

/** oci, oci-archive and dir scopes are absolute, clean paths (their identities are resolved paths). */
function pathScopeProblem(scope: string): string | undefined {
  if (!scope.startsWith('/')) return 'must be an absolute path';
  const clean = posix.normalize(scope).replace(/\/+$/, '') || '/';
  // "/" would mean the same as "", and silently shadow it.
  if (clean === '/') return 'use the default scope "" instead';
  if (clean !== scope) return `uses non-canonical format, perhaps try ${q(clean)}`;
  return undefined;
}

/**
 * Why a docker scope can match no image, or undefined. Scopes are compared with an image's full
 * name (`docker.io/library/busybox:latest`), its repository, its parent namespaces, its registry
 * and `*.` wildcards of the registry's domain (reference/scopes.ts), so anything else is dead.
 */
function dockerScopeWarning(scope: string): string | undefined {
  const never = (why: string) => `scope ${q(scope)} can never match: ${why}`;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(scope);
  if (scheme !== null) return never(`a scope has no URL scheme, perhaps ${q(scope.slice(scheme[0].length))}`);
  let host: string;
  if (scope.startsWith('*.')) {
    host = scope.slice(2);
    if (!isHostName(host)) return never('a wildcard scope is "*." and a host name without port, e.g. "*.example.com"');
  } else if (scope.includes('*')) {
    return never('the only wildcard is a leading "*.", e.g. "*.example.com"');
  } else if (isRegistryHost(scope)) {
    host = scope;
  } else {
    if (scope.endsWith('/')) return never('a namespace has no trailing "/"');
    let parts: ReturnType<typeof parseReferenceParts>;
    try {
      parts = parseReferenceParts(scope);
    } catch (err) {
      return never(referenceProblem(err, scope));
    }
    if (parts.domain === undefined) return never(`images are matched by their full name, e.g. ${q(fullName(scope))}`);
    if (parts.domain === 'index.docker.io') return never(`Docker Hub images are named ${q(`docker.io/${scope.slice('index.docker.io/'.length)}`)}`);
    if (parts.tag !== undefined && parts.digest !== undefined) return never('an image is matched by its tag or by its digest, not both');
    host = parts.domain;
  }
  if (/[A-Z]/.test(host)) {
    return `scope ${q(scope)} only matches image names that spell the registry with the same capitals; write it in lowercase`;
  }
  return undefined;
}

function fullName(name: string): string {
  try {
    return formatReference(parseReference(name));
  } catch {
    return 'docker.io/library/busybox';
  }
}

/** DNS-style labels: what `*.` may be followed by (the port is stripped before wildcards are formed). */
function isHostName(host: string): boolean {
  return host.split('.').every((label) => /^[A-Za-z0-9-]+$/.test(label) && !label.startsWith('-') && !label.endsWith('-'));
}

/** `host[:port]` as the first component of an image name: with a '.' or a port, or `localhost`. */
function isRegistryHost(text: string): boolean {
  if (text.includes('/')) return false;
  try {
    return parseReferenceParts(`${text}/x`).domain === text;
  } catch {
    return false;
  }
}

/** The reference module's reason without its `invalid reference "<input>": ` prefix (the caller shows the input). */
function referenceProblem(err: unknown, input: string): string {
  if (!isHoistError(err, 'INVALID_REFERENCE')) throw err;
  const prefix = `invalid reference ${JSON.stringify(input)}: `;
  return escapeForMessage(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
}

function requirementList(ctx: Context, value: JsonValue, path: JsonPath): Requirement[] {
  const list = expect(ctx, value, path, 'array');
  if (list.items.length === 0) ctx.fail(list.at, path, 'List of verification policy requirements must not be empty');
  return list.items.map((item, i) => requirement(ctx, item, [...path, i]));
}

/** Reads `type`, then checks the object against that type's fields. */
function typed<T extends string>(ctx: Context, value: JsonValue, path: JsonPath, fields: Record<T, readonly string[]>, what: string): { type: T; obj: Fields } {
  const object = expect(ctx, value, path, 'object');
  const member = object.members.find((m) => m.key === 'type');
  if (member === undefined) ctx.fail(object.at, path, `${what} type not specified`);
  const type = expect(ctx, member.value, [...path, 'type'], 'string').value;
  if (!Object.hasOwn(fields, type)) ctx.fail(member.value.at, path, `Unknown ${what} type ${q(type)}`);
  return { type: type as T, obj: new Fields(ctx, object, path, fields[type as T]) };
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
      return { type, baseLayerIdentity: obj.identity('baseLayerIdentity'), where };
    case 'sigstoreSigned':
      return { type, ...sigstoreSigned(obj), where };
  }
}

const MATCH_REPO_DIGEST_OR_EXACT: SignedIdentity = { type: 'matchRepoDigestOrExact' };

function signedBy(obj: Fields): { keyType: GpgKeyType; keys: KeySource[]; signedIdentity: SignedIdentity } {
  const keyType = obj.string('keyType');
  if (keyType === undefined) obj.fail('keyType not specified');
  if (!GPG_KEY_TYPES.includes(keyType)) obj.ctx.fail(obj.get('keyType')!.value.at, obj.pathOf('keyType'), `Unrecognized keyType value ${q(keyType)}`);
  const source = obj.oneOf(KEY_SOURCES, {
    none: 'Exactly one of keyPath, keyPaths and keyData must be specified, none of them present',
    many: 'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present',
  })!;
  return { keyType: keyType as GpgKeyType, keys: obj.keySources(source), signedIdentity: obj.identity('signedIdentity', MATCH_REPO_DIGEST_OR_EXACT) };
}

type SigstoreFields = Omit<Extract<Requirement, { type: 'sigstoreSigned' }>, 'type' | 'where'>;

function sigstoreSigned(obj: Fields): SigstoreFields {
  const exactlyOne = 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified';
  const source = obj.oneOf(SIGSTORE_TRUST, { none: `${exactlyOne}, none of them present`, many: `${exactlyOne}, more than one present` })!;
  const rekorNames = 'rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas';
  const rekor = obj.oneOf(REKOR_KEYS, { many: `at most one of ${rekorNames} can be used simultaneously` });
  const trust: SigstoreFields['trust'] =
    source === 'fulcio' ? fulcio(obj.child('fulcio', FULCIO_FIELDS)) : source === 'pki' ? pki(obj.child('pki', PKI_FIELDS)) : { kind: 'keys', keys: obj.keySources(source) };
  if (trust.kind === 'fulcio' && rekor === undefined) obj.fail(`At least one of ${rekorNames} must be specified if fulcio is used`);
  if (trust.kind === 'pki' && rekor !== undefined) obj.fail(`${rekorNames} are not supported for pki`, obj.get(rekor)!.keyAt);
  const fields: SigstoreFields = { trust, signedIdentity: obj.identity('signedIdentity', MATCH_REPO_DIGEST_OR_EXACT) };
  if (rekor !== undefined) fields.rekorPublicKeys = obj.keySources(rekor);
  return fields;
}

/** A string that must be given; containers/image treats "" as not given. */
function requiredString(obj: Fields, key: string): string {
  const value = obj.string(key);
  if (value === undefined || value === '') obj.fail(`${key} not specified`);
  return value;
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
  const intermediates = obj.oneOf(['caIntermediatesPath', 'caIntermediatesData'], { many: 'caIntermediatesPath and caIntermediatesData cannot be used simultaneously' });
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

function signedIdentity(ctx: Context, value: JsonValue, path: JsonPath): SignedIdentity {
  const { type, obj } = typed(ctx, value, path, IDENTITY_FIELDS, 'policy reference match');
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      return { type };
    case 'exactReference': {
      const dockerReference = requiredString(obj, 'dockerReference');
      const ref = parseIdentityReference(obj, 'dockerReference', dockerReference);
      if (ref.tag === undefined && ref.digest === undefined) {
        identityFail(obj, 'dockerReference', `dockerReference ${q(dockerReference)} contains neither a tag nor digest`);
      }
      return { type, dockerReference };
    }
    case 'exactRepository': {
      const dockerRepository = requiredString(obj, 'dockerRepository');
      const ref = parseIdentityReference(obj, 'dockerRepository', dockerRepository);
      // containers/image would ignore the tag or digest; refusing it keeps the policy meaning what it says.
      if (ref.tag !== undefined || ref.digest !== undefined) {
        identityFail(obj, 'dockerRepository', `dockerRepository ${q(dockerRepository)} must be a repository, without a tag or digest`);
      }
      return { type, dockerRepository };
    }
    case 'remapIdentity':
      return { type, prefix: remapPrefix(obj, 'prefix'), signedPrefix: remapPrefix(obj, 'signedPrefix') };
  }
}

function identityFail(obj: Fields, key: string, message: string): never {
  obj.ctx.fail(obj.get(key)!.value.at, obj.pathOf(key), message);
}

function parseIdentityReference(obj: Fields, key: string, text: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(text);
  } catch (err) {
    identityFail(obj, key, `Invalid format of ${key} ${q(text)}: ${referenceProblem(err, text)}`);
  }
}

/** `host[:port]`, or a namespace or repository starting with one; never a tag or digest. */
function remapPrefix(obj: Fields, key: string): string {
  const prefix = requiredString(obj, key);
  if (isRegistryHost(prefix)) return prefix;
  let parts: ReturnType<typeof parseReferenceParts> | undefined;
  try {
    parts = parseReferenceParts(prefix);
  } catch {
    parts = undefined;
  }
  if (parts === undefined || parts.domain === undefined || parts.tag !== undefined || parts.digest !== undefined) {
    identityFail(obj, key, `${key} ${q(prefix)} is not valid: it must be a registry host[:port], a namespace or a repository, without a tag or digest`);
  }
  return prefix;
}
