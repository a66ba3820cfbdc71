/**
 * The media plane: audio frames, codecs, RTP/RTCP with a jitter buffer, DTMF in all its
 * forms, tones, files, mixing and recording, and the RTP audio stream that composes them.
 * It imports nothing else from src/ (only Node built-ins and the Opus codec package).
 */
export * from './audio-frame.js';
export * from './codecs/index.js';
export * from './rtp/index.js';
export * from './dtmf/index.js';
export * from './audio/resampler.js';
export * from './audio/wav.js';
export * from './audio/gain.js';
export * from './audio/file-player.js';
export * from './audio/tones.js';
export * from './recording/index.js';
export * from './mixing/index.js';
export * from './stream/media-clock.js';
export * from './stream/frame-fanout.js';
export * from './stream/audio-output.js';
export * from './stream/rtp-audio-stream.js';
export * from './rtp-port-pool.js';
