export { findCredentials } from './lookup.js';
export { authFileSearch, type AuthFileSearch } from './auth-files.js';
export { parseCredsFlag } from './creds-flag.js';
export type { Credentials, CredentialLookupOptions, FoundCredentials } from './types.js';
