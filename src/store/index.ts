export { Store, type NewImage, type RemoveResult } from './store.js';
export { defaultStoreRoot } from './layout.js';
export type { ImageRecord } from './records.js';
export type { LookupMatch } from './lookup.js';
export type { BlobReader, BlobWriteResult, BlobWriteOptions } from './blob-writer.js';
export type { ExpectedBlob } from './verifying-sink.js';
export { describeImage, type ImageInfo } from './describe.js';
export { storeFullError } from './store-full.js';
