export { defaultCertsBases, loadRegistryCerts, type CertsLookupOptions, type RegistryCerts } from './certs-dir.js';
