export { copyImage, DEFAULT_MAX_PARALLEL, type CopyOptions } from './copy-image.js';
