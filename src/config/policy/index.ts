/** containers-policy.json(5): where it is, and its strict parse into typed requirements. */
export { DEFAULT_SYSTEM_POLICY_FILE, loadPolicy, policyPath, type PolicyLookup } from './load.js';
export { MAX_JSON_BYTES as MAX_POLICY_BYTES, MAX_JSON_DEPTH as MAX_POLICY_DEPTH } from './json.js';
export { parsePolicy } from './parse.js';
export type {
  FulcioTrust,
  GpgKeyType,
  KeySource,
  PkiTrust,
  Policy,
  PolicyLocation,
  PolicyTransport,
  PublicKeysTrust,
  Requirement,
  RequirementType,
  SignedIdentity,
} from './types.js';
