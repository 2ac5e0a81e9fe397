export { copyImage, DEFAULT_MAX_PARALLEL, readTopManifest, type CopyOptions } from './copy-image.js';
