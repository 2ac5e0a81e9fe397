/**
 * The JSON payload both signature formats sign (containers-signature(5); c/image
 * signature/simple.go and signature/internal/sigstore_payload.go):
 *
 *   {"critical": {"type": …, "image": {"docker-manifest-digest": …}, "identity": {"docker-reference": …}},
 *    "optional": {"creator": …, "timestamp": …}}
 *
 * Read as strictly as upstream: every object has exactly its fields, duplicate keys reject, and only
 * `optional` may carry (ignored) fields of its own. Callers parse only bytes whose signature they
 * have already verified.
 */
import { escapeForMessage, quoteForMessage, type JsonObject } from '../config/policy/json.js';
import { parseDigest } from '../reference/index.js';
import { asObject, exactFields, numberOf, parseDocument, stringOf } from './json-fields.js';
import { SignatureRejection } from './rejection.js';

/** What a verified signature claims; the policy then checks both against the image. */
export interface SignedClaims {
  dockerManifestDigest: string;
  dockerReference: string;
}

const SIMPLE_SIGNING_TYPE = 'atomic container signature';
const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

export function parseSimpleSigningPayload(bytes: Uint8Array): SignedClaims {
  return parsePayload(bytes, SIMPLE_SIGNING_TYPE, false);
}

/** cosign writes `"optional": null` when it was given no annotations; upstream accepts that (and only here). */
export function parseCosignPayload(bytes: Uint8Array): SignedClaims {
  return parsePayload(bytes, COSIGN_SIGNATURE_TYPE, true);
}

/** Checks in upstream's order: the top level, `optional`, `critical`, its type, image, identity. */
function parsePayload(bytes: Uint8Array, type: string, optionalMayBeNull: boolean): SignedClaims {
  const top = exactFields(parseDocument(bytes), ['critical', 'optional']);
  if (!(optionalMayBeNull && top.optional.kind === 'null')) checkOptional(asObject(top.optional));
  const critical = exactFields(asObject(top.critical), ['type', 'image', 'identity']);
  const signedType = stringOf(critical.type);
  if (signedType !== type) throw new SignatureRejection(`Unrecognized signature type ${escapeForMessage(signedType)}`);
  const digest = stringOf(exactFields(asObject(critical.image), ['docker-manifest-digest'])['docker-manifest-digest']);
  checkDigest(digest);
  const reference = stringOf(exactFields(asObject(critical.identity), ['docker-reference'])['docker-reference']);
  return { dockerManifestDigest: digest, dockerReference: reference };
}

/** `creator` must be a string and `timestamp` an integer; anything else there is ignored. */
function checkOptional(optional: JsonObject): void {
  let timestamp: number | undefined;
  for (const member of optional.members) {
    if (member.key === 'creator') stringOf(member.value);
    if (member.key === 'timestamp') timestamp = numberOf(member.value);
  }
  // Upstream decodes a float64 and requires int64(t) == t; |t| ≥ 2^63 cannot be an int64.
  if (timestamp !== undefined && !(Number.isInteger(timestamp) && Math.abs(timestamp) < 2 ** 63)) {
    throw new SignatureRejection('Field optional.timestamp is not an integer');
  }
}

function checkDigest(digest: string): void {
  try {
    parseDigest(digest);
  } catch (err) {
    // parseDigest says `invalid digest "<value>": <problem>`; keep the problem, in upstream's frame.
    const prefix = `invalid digest "${digest}": `;
    const message = (err as Error).message;
    const problem = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    throw new SignatureRejection(`invalid docker-manifest-digest value ${quoteForMessage(digest)}: ${problem}`);
  }
}
