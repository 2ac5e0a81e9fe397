/**
 * hoist as a library: `import { pull, Store } from 'hoist'`.
 */
export { explainTrust } from './engine/explain-trust.js';
export { verifyStoredImage } from './engine/verify.js';
export {
  pull,
  type PullOptions,
  type PulledImage,
  type PullPolicy,
  type TrustExplanation,
  type VerifyResult,
} from './engine/index.js';
export { loadPolicy, parsePolicy, type Policy, type Requirement, type SignedIdentity } from './config/policy/index.js';
export { Store, defaultStoreRoot, describeImage, type ImageRecord, type ImageInfo } from './store/index.js';
export {
  parseReference,
  formatReference,
  familiarString,
  repositoryName,
  withDefaultTag,
  isShortName,
  localImageName,
  parseDigest,
  type ImageReference,
} from './reference/index.js';
export { parseImageName, type ImageName, type TransportName, type ImageSource } from './transports/index.js';
export type { CopyEvent, EventListener } from './progress/index.js';
export type { PlatformFlags, WantedPlatform } from './manifest/index.js';
export { ERROR_CODES, HoistError, MultiError, isHoistError, type ErrorCode, type ErrorDetails } from './errors.js';
