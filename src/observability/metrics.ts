/**
 * Prometheus metrics. One registry per server instance so that tests which start several
 * servers in one process do not collide on metric names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics the SIP edge reports. */
export interface SipMetrics {
  /** Messages received, by transport and kind (request/response). */
  messagesReceived: Counter<'transport' | 'kind'>;
  /** Messages that could not be answered and were dropped, by reason. */
  messagesDropped: Counter<'reason'>;
  /** Malformed requests answered with an error status, by status. */
  malformedAnswered: Counter<'status'>;
  /** Responses sent, by status code. */
  responsesSent: Counter<'code'>;
  /** Calls currently up (any state before ended). */
  activeCalls: Gauge;
  /** Calls ended, by result (answered, cancelled, failed, …). */
  callsEnded: Counter<'result'>;
  /** Time from INVITE received to final response sent, in seconds. */
  inviteSetupSeconds: Histogram;
  /** Registered contacts. */
  registrations: Gauge;
}

/** The metrics the media plane reports (counted per leg when the leg ends, plus live gauges). */
export interface MediaMetrics {
  /** Legs with live audio. */
  activeLegs: Gauge;
  /** RTP packets received on ended legs. */
  rtpPacketsReceived: Counter;
  /** RTP packets sent on ended legs. */
  rtpPacketsSent: Counter;
  /** RTP packets the peer sent that never arrived (RFC 3550 cumulative loss). */
  rtpPacketsLost: Counter;
  /** Packets discarded, by reason (malformed, unknown-payload-type, wrong-source, late, …). */
  rtpPacketsDropped: Counter<'reason'>;
  /** Interarrival jitter at the end of each leg, in seconds. */
  rtpJitterSeconds: Histogram;
  /** DTMF key presses, by how they arrived. */
  dtmfEvents: Counter<'source'>;
  /** Recordings finalised. */
  recordings: Counter;
  /** Average lateness of the 20 ms media tick; high values mean the process is overloaded. */
  tickLatenessSeconds: Gauge;
}

/** The metrics of the API layer. */
export interface ApiMetrics {
  /** Webhook delivery attempts by outcome (delivered, retry, failed). */
  webhookDeliveries: Counter<'outcome'>;
}

/** Voice-bot conversations. */
export interface VoiceMetrics {
  /** Per turn, from the caller's end of speech to each stage (`stage` label). */
  turnLatencySeconds: Histogram<'stage'>;
  /** Timeouts, barge-ins, provider switches and errors, by type. */
  events: Counter<'type'>;
  activeSessions: Gauge;
}

/** A registry plus the named metrics. */
export interface Metrics {
  registry: Registry;
  sip: SipMetrics;
  media: MediaMetrics;
  api: ApiMetrics;
  voice: VoiceMetrics;
}

/** Creates a fresh registry with process metrics and the SIP metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    sip: {
      messagesReceived: new Counter({
        name: 'switchboard_sip_messages_received_total',
        help: 'SIP messages received',
        labelNames: ['transport', 'kind'],
        registers: r,
      }),
      messagesDropped: new Counter({
        name: 'switchboard_sip_messages_dropped_total',
        help: 'SIP messages dropped without an answer (unparseable, oversized, unanswerable)',
        labelNames: ['reason'],
        registers: r,
      }),
      malformedAnswered: new Counter({
        name: 'switchboard_sip_malformed_answered_total',
        help: 'Malformed SIP requests answered with an error response',
        labelNames: ['status'],
        registers: r,
      }),
      responsesSent: new Counter({
        name: 'switchboard_sip_responses_sent_total',
        help: 'SIP responses sent by status code',
        labelNames: ['code'],
        registers: r,
      }),
      activeCalls: new Gauge({
        name: 'switchboard_active_calls',
        help: 'Calls currently up',
        registers: r,
      }),
      callsEnded: new Counter({
        name: 'switchboard_calls_ended_total',
        help: 'Calls ended by result',
        labelNames: ['result'],
        registers: r,
      }),
      inviteSetupSeconds: new Histogram({
        name: 'switchboard_sip_invite_setup_seconds',
        help: 'INVITE received to final response sent',
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
        registers: r,
      }),
      registrations: new Gauge({
        name: 'switchboard_sip_registrations',
        help: 'Registered SIP contacts',
        registers: r,
      }),
    },
    api: {
      webhookDeliveries: new Counter({
        name: 'switchboard_webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
        labelNames: ['outcome'],
        registers: r,
      }),
    },
    voice: {
      turnLatencySeconds: new Histogram({
        name: 'switchboard_voice_turn_latency_seconds',
        help: "Per voice turn, time from the caller's end of speech to each stage",
        labelNames: ['stage'],
        buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
        registers: r,
      }),
      events: new Counter({
        name: 'switchboard_voice_events_total',
        help: 'Voice session events: timeouts, barge-ins, provider switches, errors',
        labelNames: ['type'],
        registers: r,
      }),
      activeSessions: new Gauge({
        name: 'switchboard_voice_active_sessions',
        help: 'Voice-bot sessions running',
        registers: r,
      }),
    },
    media: {
      activeLegs: new Gauge({
        name: 'switchboard_media_active_legs',
        help: 'Legs with live audio',
        registers: r,
      }),
      rtpPacketsReceived: new Counter({
        name: 'switchboard_rtp_packets_received_total',
        help: 'RTP packets received (counted when a leg ends)',
        registers: r,
      }),
      rtpPacketsSent: new Counter({
        name: 'switchboard_rtp_packets_sent_total',
        help: 'RTP packets sent (counted when a leg ends)',
        registers: r,
      }),
      rtpPacketsLost: new Counter({
        name: 'switchboard_rtp_packets_lost_total',
        help: 'RTP packets lost on the way to us (counted when a leg ends)',
        registers: r,
      }),
      rtpPacketsDropped: new Counter({
        name: 'switchboard_rtp_packets_dropped_total',
        help: 'RTP/RTCP packets discarded, by reason',
        labelNames: ['reason'],
        registers: r,
      }),
      rtpJitterSeconds: new Histogram({
        name: 'switchboard_rtp_jitter_seconds',
        help: 'Interarrival jitter of each leg at its end',
        buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32],
        registers: r,
      }),
      dtmfEvents: new Counter({
        name: 'switchboard_dtmf_events_total',
        help: 'DTMF key presses received, by path',
        labelNames: ['source'],
        registers: r,
      }),
      recordings: new Counter({
        name: 'switchboard_recordings_total',
        help: 'Recordings finalised',
        registers: r,
      }),
      tickLatenessSeconds: new Gauge({
        name: 'switchboard_media_tick_lateness_seconds',
        help: 'Average lateness of the 20 ms media tick (new calls get 503 above 10 ms)',
        registers: r,
      }),
    },
  };
}
