/** Public surface of the SIP transaction layer (RFC 3261 §17). */
export { TransactionLayer } from './transaction-layer.js';
export type { TransactionLayerOptions } from './transaction-layer.js';
export type {
  ClientHandlers,
  ClientTransaction,
  ClientTransactionState,
  ServerTransaction,
  ServerTransactionState,
  TransactionTransport,
} from './types.js';
export { DEFAULT_TIMER_CONFIG, systemClock } from './timers.js';
export type { TimerConfig, TransactionClock } from './timers.js';
export { MAGIC_COOKIE } from './matching.js';
export { buildCancel, buildNonSuccessAck } from './requests.js';
