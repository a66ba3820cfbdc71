/** Logging and metrics shared by every part of the server. */
export * from './logger.js';
export * from './metrics.js';
