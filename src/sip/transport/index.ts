/** Public surface of the SIP transport module (see docs/sip-contracts.md). */
export {
  TransportLayer,
  type DropHandler,
  type ErrorHandler,
  type MessageHandler,
  type TransportStats,
} from './transport-layer.js';
export type {
  Connection,
  ConnectionProtocol,
  ListenOptions,
  SecureListenOptions,
  TlsClientOptions,
  TransportOptions,
} from './types.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  StreamFramer,
  readContentLength,
  type FramerEvent,
  type FramingErrorReason,
  type StreamFramerOptions,
} from './stream-framer.js';
export { DEFAULT_IDLE_TIMEOUT_MS } from './connection-table.js';
export {
  defaultPort,
  isReliableProtocol,
  protocolForUri,
  protocolFromToken,
  resolveUri,
} from './resolve.js';
export { responseDestination, stampReceived } from './via-routing.js';
export { SIP_SUBPROTOCOL } from './ws-transport.js';
