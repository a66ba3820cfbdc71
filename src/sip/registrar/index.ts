/** Public surface of the SIP registrar and location service (RFC 3261 §10). */
export { Registrar } from './registrar.js';
export type { RegistrarAuthenticator, RegistrarOptions } from './registrar.js';
export { MemoryRegistrationStore } from './memory-store.js';
export { normaliseAor, sameUri, sameUriText } from './aor.js';
export type {
  Binding,
  RegistrationChange,
  RegistrationChangeType,
  RegistrationStore,
} from './types.js';
