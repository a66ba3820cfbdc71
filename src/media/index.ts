/** The media plane. For now: RTP port allocation; codecs, RTP sessions and mixing come next. */
export * from './rtp-port-pool.js';
