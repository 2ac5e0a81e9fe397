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
import { Context, Fields } from './fields.js';
import { JsonSyntaxError, parseJsonObject, type JsonObject } from './json.js';
import { requirementList } from './requirements.js';
import { transportMap } from './scopes.js';
import type { Policy } from './types.js';

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
