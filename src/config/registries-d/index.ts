/**
 * containers-registries.d(5): where the signatures of images on a registry live (lookaside URL,
 * sigstore attachments), read from the registries.d directory with containers/image's lookup,
 * merge rules and per-key scope inheritance.
 */
export { loadRegistriesD, registriesDPath, MAX_REGISTRIES_D_FILE_BYTES, MAX_REGISTRIES_D_FILES, SYSTEM_REGISTRIES_D } from './load.js';
export { parseRegistriesDFile, MAX_YAML_ALIASES, type RegistriesDFile } from './parse.js';
export { signatureStorageFor, BUILT_IN_DEFAULT, ROOT_LOOKASIDE } from './lookup.js';
export type { LoadRegistriesDOptions, RegistriesD, SignatureStorage, SignatureStorageOptions, SignatureStorageSection } from './types.js';
