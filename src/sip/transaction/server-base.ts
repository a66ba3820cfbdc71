/**
 * What the INVITE and non-INVITE server transactions share: where responses go, the last
 * response (resent for request retransmissions), and the TU's timeout / transport-error /
 * cancel callbacks.
 */
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { TransactionBase, isReliable } from './base.js';
import type { TransactionContext } from './base.js';
import { requestSource } from './matching.js';
import type { ServerTransaction, ServerTransactionState } from './types.js';

/** Common part of the two server state machines. */
export abstract class ServerTransactionBase<S extends ServerTransactionState>
  extends TransactionBase<S>
  implements ServerTransaction
{
  /** Where responses are sent (the request's source, §18.2.2). */
  protected readonly source: TransportEndpoint;
  /** True over TCP/TLS/WS/WSS: no retransmissions, zero-length wait timers. */
  protected readonly reliable: boolean;
  /** The latest response sent; resent when the request is retransmitted. */
  protected last: SipResponse | undefined;
  /** The CANCEL that arrived before any final response, if one did. */
  protected cancelRequest: SipRequest | undefined;
  private readonly cancelCallbacks: Array<(cancel: SipRequest) => void> = [];
  private readonly timeoutCallbacks: Array<() => void> = [];
  private readonly errorCallbacks: Array<(err: Error) => void> = [];
  /** A transport failure is reported once, even if several sends fail. */
  private errorReported = false;

  /** Creates the transaction for a received request. */
  constructor(
    id: string,
    ctx: TransactionContext,
    initial: S,
    /** The request that created the transaction. */
    readonly request: SipRequest,
  ) {
    super(id, ctx, initial);
    this.source = requestSource(request);
    this.reliable = isReliable(ctx, this.source);
  }

  /** The most recent response sent. */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** True once a CANCEL arrived while no final response had been sent. */
  get cancelled(): boolean {
    return this.cancelRequest !== undefined;
  }

  /** Sends a response from the TU (see {@link ServerTransaction.respond}). */
  abstract respond(res: SipResponse): void;

  /** Handles a retransmission of the request that created the transaction. */
  abstract receiveRequest(req: SipRequest): void;

  /** See {@link ServerTransaction.onCancel}. */
  onCancel(callback: (cancel: SipRequest) => void): void {
    this.cancelCallbacks.push(callback);
    const cancel = this.cancelRequest;
    if (cancel && this.canBeCancelled()) this.invoke(() => callback(cancel));
  }

  /** See {@link ServerTransaction.onTimeout}. */
  onTimeout(callback: () => void): void {
    this.timeoutCallbacks.push(callback);
  }

  /** See {@link ServerTransaction.onTransportError}. */
  onTransportError(callback: (err: Error) => void): void {
    this.errorCallbacks.push(callback);
  }

  /** Whether a CANCEL would still have an effect (no final response sent yet). */
  protected canBeCancelled(): boolean {
    return false;
  }

  /**
   * Records a matching CANCEL (§9.2) and tells the TU when the request can still be cancelled.
   * Returns whether the TU was told.
   */
  cancel(cancel: SipRequest): boolean {
    if (this.cancelRequest || !this.canBeCancelled()) return false;
    this.cancelRequest = cancel;
    for (const callback of this.cancelCallbacks) this.invoke(() => callback(cancel));
    return true;
  }

  /** Records and transmits a response. */
  protected transmit(res: SipResponse): void {
    this.last = res;
    this.resend(res);
  }

  /** Transmits a response again (or a TU-driven 2xx retransmission) without recording it. */
  protected resend(res: SipResponse): void {
    this.dispatch(() => this.ctx.transport.sendResponse(res, this.source));
  }

  /** Ends the transaction on Timer H and tells the TU. */
  protected timeOut(): void {
    this.terminate();
    for (const callback of this.timeoutCallbacks) this.invoke(callback);
  }

  /** §17.2.4: a failed send ends the transaction; the TU hears about it once. */
  protected onSendFailure(err: Error): void {
    this.terminate();
    if (this.errorReported) return;
    this.errorReported = true;
    for (const callback of this.errorCallbacks) this.invoke(() => callback(err));
  }

  /** Ends a wait state after `ms`, at once when zero (reliable transport). */
  protected linger(name: 'I' | 'J' | 'L', ms: number): void {
    if (ms <= 0) this.terminate();
    else this.timers.start(name, ms, () => this.terminate());
  }
}
