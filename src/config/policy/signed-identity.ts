/** signedIdentity (and baseLayerIdentity) objects of policy.json, in every form containers/image knows. */
import { parseReference, parseReferenceParts } from '../../reference/index.js';
import { requiredString, typed, type Context, type Fields } from './fields.js';
import { quoteForMessage as q, type JsonPath, type JsonValue } from './json.js';
import { isRegistryHost, referenceProblem } from './names.js';
import type { SignedIdentity } from './types.js';

const IDENTITY_FIELDS: Record<SignedIdentity['type'], readonly string[]> = {
  matchExact: ['type'],
  matchRepoDigestOrExact: ['type'],
  matchRepository: ['type'],
  exactReference: ['type', 'dockerReference'],
  exactRepository: ['type', 'dockerRepository'],
  remapIdentity: ['type', 'prefix', 'signedPrefix'],
};

export const MATCH_REPO_DIGEST_OR_EXACT: SignedIdentity = { type: 'matchRepoDigestOrExact' };

/** The identity object at `key` of `obj`; `fallback` when it is absent (or an error when there is none). */
export function identityField(obj: Fields, key: string, fallback?: SignedIdentity): SignedIdentity {
  const member = obj.get(key);
  if (member !== undefined) return signedIdentity(obj.ctx, member.value, obj.pathOf(key));
  if (fallback === undefined) obj.fail(`${key} not specified`);
  return fallback;
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
