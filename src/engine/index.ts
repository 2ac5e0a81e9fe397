export { pull } from './pull.js';
// The CLI's prompt: the engine never prompts unless its caller passes a prompt.
export { terminalPrompt } from '../shortnames/index.js';
export { parsePullPolicy, PULL_POLICIES } from './policy.js';
export { loadLocalSearch, type LocalSearchOptions } from './local-search.js';
export type { PullOptions, PulledImage, PullPolicy, RegistryAccess } from './options.js';
export { explainName, explainResolution, type Explanation, type ExplainedCandidate, type NameExplanation } from './explain.js';
export type { LocalExplanation } from './explain-local.js';
// explainTrust and verifyStoredImage load lazily (trust-entry.ts); the library exports them in src/index.ts.
export type { TrustExplanation, ExplainedImage, ExplainedRequirement } from './explain-trust.js';
export type { VerifyResult, VerifiedName } from './verify.js';
