/**
 * Public types of the transaction layer: the transport seam it depends on, and the views of
 * client and server transactions handed to the transaction user (TU).
 */
import type {
  SipMessage,
  SipRequest,
  SipResponse,
  TransportEndpoint,
  TransportProtocol,
} from '../message/index.js';

/**
 * What the transaction layer needs from the transport layer. Declared here (instead of
 * importing `TransportLayer`) so the layer can be unit-tested with a recording fake; the real
 * `TransportLayer` satisfies it structurally.
 */
export interface TransactionTransport {
  /** Sends a request (or an ACK) to `dest`. Rejects when the message could not be sent. */
  send(msg: SipMessage, dest: TransportEndpoint): Promise<void>;
  /** Sends a response back towards where its request came from (RFC 3261 §18.2.2). */
  sendResponse(res: SipResponse, requestSource: TransportEndpoint): Promise<void>;
  /** True for TCP/TLS/WS/WSS: the transport retransmits, so the transaction must not. */
  isReliable(protocol: TransportProtocol): boolean;
}

/** States of a client transaction (RFC 3261 Figures 5 and 6). */
export type ClientTransactionState =
  'calling' | 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * States of a server transaction (RFC 3261 Figures 7 and 8, plus the `accepted` state of
 * RFC 6026 for INVITE server transactions that sent a 2xx).
 */
export type ServerTransactionState =
  'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** Callbacks a TU passes with a request it sends. */
export interface ClientHandlers {
  /** Each 1xx response. */
  onProvisional?(res: SipResponse): void;
  /**
   * The first final response. For INVITE 2xx the transaction ends here and the TU sends the
   * ACK; for 3xx–6xx the layer has already sent the ACK (RFC 3261 §17.1.1.3).
   */
  onFinal(res: SipResponse): void;
  /** Timer B / F fired (no final response), or §9.1's 64*T1 after a CANCEL passed. */
  onTimeout?(): void;
  /** The transport could not send the request (RFC 3261 §17.1.4). */
  onTransportError?(err: Error): void;
}

/** A transaction started by {@link TransactionLayer.sendRequest}. */
export interface ClientTransaction {
  /** Matching key: top Via branch and method. */
  readonly id: string;
  /** The request as sent. */
  readonly request: SipRequest;
  /** Current state. */
  readonly state: ClientTransactionState;
  /**
   * Cancels a pending INVITE (RFC 3261 §9.1): the CANCEL is sent once a provisional response
   * has arrived, and never if a final response arrives first. No effect on other methods.
   * `handlers` receive the outcome of the CANCEL's own transaction.
   */
  cancel(handlers?: Partial<ClientHandlers>): void;
}

/** A transaction created for a received request and handed to the TU. */
export interface ServerTransaction {
  /** Matching key (branch, sent-by and method, or the RFC 2543 tuple). */
  readonly id: string;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** Current state. */
  readonly state: ServerTransactionState;
  /** The most recent response sent through this transaction. */
  readonly lastResponse?: SipResponse;
  /** True once a matching CANCEL arrived while no final response had been sent. */
  readonly cancelled: boolean;
  /**
   * Sends a response. Responses the state machine cannot accept (a second final, a
   * provisional after the final) are dropped. 2xx retransmissions for INVITE (the TU's job,
   * RFC 3261 §13.3.1.4) are passed to the transport even after the transaction ended.
   */
  respond(res: SipResponse): void;
  /**
   * Registers a callback for a matching CANCEL (INVITE only). Called at once when the CANCEL
   * already arrived and no final response has been sent yet. The TU then answers 487.
   */
  onCancel(callback: (cancel: SipRequest) => void): void;
  /** Registers a callback for Timer H (the ACK for a 3xx–6xx never came). */
  onTimeout(callback: () => void): void;
  /** Registers a callback for a response the transport failed to send (§17.2.4). */
  onTransportError(callback: (err: Error) => void): void;
}
