export { copyImage, DEFAULT_MAX_PARALLEL, type CopyOptions, type CopiedImage } from './copy-image.js';
