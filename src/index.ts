/**
 * hoist as a library: `import { pull, openImageStore } from 'hoist'`. Only what a program that
 * pulls and manages images needs: the pull and its explanations, trust checks, the store's
 * management interface, the names grammar, typed events and typed errors. How a pull writes the
 * store stays inside.
 */
export { explainTrust } from './engine/explain-trust.js';
export { verifyStoredImage } from './engine/verify.js';
export {
  pull,
  explainResolution,
  loadLocalSearch,
  type LocalSearchOptions,
  type Explanation,
  type ExplainedCandidate,
  type PullOptions,
  type PulledImage,
  type PullPolicy,
  type RegistryAccess,
  type TrustExplanation,
  type VerifyResult,
} from './engine/index.js';
export type { Credentials, CredentialsHook, CredentialsRequest } from './config/auth/index.js';
export { loadPolicy, parsePolicy, type Policy, type Requirement, type SignedIdentity } from './config/policy/index.js';
export {
  openImageStore,
  defaultStoreRoot,
  type ImageStore,
  type OpenImageStoreOptions,
  type ImageRecord,
  type ImageInfo,
  type RemoveResult,
  type RemoveOptions,
  type LocalSearch,
} from './store/index.js';
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
export { parseImageName, type ImageName, type TransportName } from './transports/index.js';
export { unpack, exportImage, type ImageReadOptions, type UnpackOptions, type UnpackResult, type ExportResult } from './unpack/index.js';
export type { CopyEvent, EventListener, UnpackEvent, UnpackEventListener } from './progress/index.js';
export type { PlatformFlags, WantedPlatform } from './manifest/index.js';
export { ERROR_CODES, WARNING_CODES, HoistError, MultiError, isHoistError, type ErrorCode, type ErrorDetails, type WarningCode } from './errors.js';
