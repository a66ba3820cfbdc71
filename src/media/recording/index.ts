/** Call recording: incremental crash-tolerant WAV writer, the two-sided call recorder and start-up repair. */
export * from './call-recorder.js';
export * from './repair.js';
export * from './wav-writer.js';
