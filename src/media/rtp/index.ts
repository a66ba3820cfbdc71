/**
 * RTP and RTCP (RFC 3550) for the media plane: packet parsing and serialisation, RTCP
 * reports, per-source receive statistics, the adaptive jitter buffer and the UDP RTP session.
 */
export {
  RTP_HEADER_BYTES,
  isRtcpPacket,
  isRtpParseFailure,
  parseRtp,
  writeRtp,
  writeRtpHeader,
  type RtpHeaderFields,
  type RtpPacket,
  type RtpParseFailure,
  type RtpParseFailureReason,
} from './rtp-packet.js';
export {
  RTCP_APP,
  RTCP_BYE,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
  SDES_CNAME,
  dlsrFromMs,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  parseRtcp,
  rttMsFromReport,
  serializeRtcp,
  unixMsFromNtp,
  type NtpTimestamp,
  type RtcpApp,
  type RtcpBye,
  type RtcpPacket,
  type RtcpParseFailureReason,
  type RtcpParseResult,
  type RtcpReceiverReport,
  type RtcpReportBlock,
  type RtcpSdes,
  type RtcpSdesChunk,
  type RtcpSdesItem,
  type RtcpSenderReport,
} from './rtcp.js';
export {
  MAX_DROPOUT,
  MAX_MISORDER,
  MIN_SEQUENTIAL,
  ReceiveStats,
  type ReceiveStatsSnapshot,
  type SeqVerdict,
} from './receive-stats.js';
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type JitterEntry,
  type JitterFrame,
  type JitterLostEntry,
  type JitterPacketEntry,
  type JitterPull,
  type JitterPushResult,
  type JitterWaiting,
} from './jitter-buffer.js';
export {
  RtpSession,
  type RtpDropReason,
  type RtpSessionEvents,
  type RtpSessionOptions,
  type RtpSessionStats,
} from './rtp-session.js';
export type { RtpRemoteReport } from './rtcp-reporter.js';
export { defaultRtpTimers, type RtpTimers } from './rtp-timers.js';
