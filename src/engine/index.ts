export { pull } from './pull.js';
export { parsePullPolicy } from './policy.js';
export type { PullOptions, PulledImage, PullPolicy, RegistryAccess } from './options.js';
export { explainResolution, type Explanation, type ExplainedCandidate } from './explain.js';
export { explainTrust, type TrustExplanation, type ExplainedImage, type ExplainedRequirement } from './explain-trust.js';
export { verifyStoredImage, type VerifyResult, type VerifiedName } from './verify.js';
