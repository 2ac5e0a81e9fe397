export { invalidArchive } from './archive-error.js';
export { detectCompression, MAGIC_BYTES, type Compression } from './compression.js';
export { normalizeEntryName } from './entry-name.js';
export { TarArchive } from './tar-archive.js';
export type { EntryType, TarEntry } from './tar-entries.js';
