/** HTTP API. */
export * from './http-server.js';
