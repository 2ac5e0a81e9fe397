export * from './media-types.js';
export * from './descriptor.js';
export * from './parse.js';
export * from './image-config.js';
export * from './platform.js';
export * from './digest-bytes.js';
export * from './signature.js';
