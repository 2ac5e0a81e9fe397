export { isValidDigest, parseDigest, type DigestAlgorithm, type ParsedDigest } from './digest.js';
export { imageIdOf, imageIdPrefix, isFullImageId, normalizeImageId } from './image-id.js';
export {
  familiarString,
  formatReference,
  isShortName,
  parseReference,
  parseReferenceParts,
  repositoryName,
  withDefaultTag,
  type ImageReference,
} from './reference.js';
export { localImageName } from './local-name.js';
export { dockerScopes } from './scopes.js';
