export { findCredentials } from './lookup.js';
export { authFileSearch, type AuthFileSearch } from './auth-files.js';
export { parseCredsFlag } from './creds-flag.js';
export type { Credentials, CredentialLookupOptions, CredentialsHook, CredentialsRequest, FoundCredentials } from './types.js';
export { parseCredentialsKey, type CredentialsKey } from './credentials-key.js';
export { removeAllCredentials, removeCredentials, storeCredentials, type CredentialStoreOptions } from './store-credentials.js';
