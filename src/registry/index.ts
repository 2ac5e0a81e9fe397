export { RegistryClient, type RegistryRequest, type RegistryResponse } from './client.js';
export { fetchManifest, headManifest, type FetchedManifest } from './manifests.js';
export { readBlob } from './blob-reader.js';
export { fetchTags } from './tags.js';
export { fetchSignatures, type SignatureFetchOptions } from './signatures.js';
export { registryHost } from './endpoint.js';
export { DEFAULT_RETRIES, type RegistrySourceOptions } from './options.js';
export { checkCredentials } from './check-auth.js';
