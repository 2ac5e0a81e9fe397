export type { ImageReadOptions, UnpackOptions, UnpackResult, ExportResult } from './options.js';
export { unpack } from './unpack-image.js';
export { exportImage } from './export-image.js';
