export type { CopyEvent, BlobKind, EventListener, UnpackEvent, UnpackEventListener } from './events.js';
export { plainRenderer } from './plain.js';
export { jsonLine, jsonLinesRenderer } from './json-lines.js';
export { TtyRenderer } from './tty.js';
export { formatBytes, shortDigest } from './format.js';
export { unpackJsonRenderer, unpackPlainRenderer } from './unpack-lines.js';
