/** Public surface of the SIP message module. */
export * from './types.js';
export * from './headers.js';
