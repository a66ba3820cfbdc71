/**
 * Switchboard's SIP stack (RFC 3261 and friends), written as a library: message model and
 * parser, transports, transactions, digest auth, registrar, SDP offer/answer and the user
 * agent core. Imports nothing else from src/.
 */
export * from './message/index.js';
export * from './transport/index.js';
export * from './transaction/index.js';
export * from './auth/index.js';
export * from './registrar/index.js';
export * from './sdp/index.js';
export * from './ua/index.js';
