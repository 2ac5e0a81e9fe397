export { pull } from './pull.js';
export { parsePullPolicy } from './policy.js';
export type { PullOptions, PulledImage, PullPolicy, RegistryAccess } from './options.js';
export { explainResolution, type Explanation, type ExplainedCandidate } from './explain.js';
// explainTrust and verifyStoredImage load lazily (trust-entry.ts); the library exports them in src/index.ts.
export type { TrustExplanation, ExplainedImage, ExplainedRequirement } from './explain-trust.js';
export type { VerifyResult, VerifiedName } from './verify.js';
