/**
 * The trust half of the engine (policy.json, registries.d, evaluation and verification, `trust
 * show`, `verify`), as the one module the rest of the engine and the CLI import lazily. Commands
 * that never consult the policy (`images`, `--policy missing`, …) then never load or compile it,
 * and a single lazy entry point keeps the CLI bundle from splitting into many small chunks
 * (docs/decisions.md, "Trust is loaded on first use").
 */
export { loadPolicy } from '../config/policy/index.js';
export { loadRegistriesD } from '../config/registries-d/index.js';
export { localAuthorizer, registryAuthorizer, signatureStorageLoader } from './trust.js';
export { explainTrust } from './explain-trust.js';
export { verifyStoredImage } from './verify.js';
