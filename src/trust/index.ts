export { evaluatePolicy, judgePolicy, verifiesSignatures, type ImageUnderPolicy, type PolicyJudgement, type PolicyVerdict } from './evaluate.js';
export { requirementsFor, scopeCandidates, type ApplicableRequirements, type PolicyIdentity } from './scope.js';
export { identityMatches } from './identity.js';
export { loadKeyMaterial } from './keys.js';
