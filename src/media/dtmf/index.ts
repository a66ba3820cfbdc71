/** DTMF: RFC 4733 telephone-events, SIP INFO bodies, in-band tone detection, de-duplication. */
export * from './types.js';
export * from './digits.js';
export * from './rfc4733.js';
export * from './info.js';
export * from './goertzel.js';
export * from './inband-detector.js';
export * from './dedup.js';
