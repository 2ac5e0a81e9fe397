/**
 * hoist as a library: `import { pull, Store } from 'hoist'`.
 */
export { pull, type PullOptions, type PulledImage, type PullPolicy } from './engine/index.js';
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
export { HoistError, MultiError, isHoistError, type ErrorCode } from './errors.js';
