/** Configuration: schema, loader and error type. */
export * from './schema.js';
export * from './load-config.js';
