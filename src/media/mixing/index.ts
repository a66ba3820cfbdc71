/** Mixing: the N-party conference mixer and the two-party bridge. */
export * from './bridge.js';
export * from './mixer.js';
