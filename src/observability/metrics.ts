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

/** A registry plus the named metrics. */
export interface Metrics {
  registry: Registry;
  sip: SipMetrics;
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
  };
}
