/**
 * What the INVITE and non-INVITE client transactions share: the destination, the TU's
 * handlers, and the rule that the TU hears exactly one outcome (final response, timeout or
 * transport error) per transaction.
 */
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { TransactionBase, isReliable } from './base.js';
import type { TransactionContext } from './base.js';
import type { ClientHandlers, ClientTransaction, ClientTransactionState } from './types.js';

/** Common part of the two client state machines. */
export abstract class ClientTransactionBase<S extends ClientTransactionState>
  extends TransactionBase<S>
  implements ClientTransaction
{
  /** True over TCP/TLS/WS/WSS: no retransmissions, zero-length wait timers. */
  protected readonly reliable: boolean;
  /** Set once the TU has been told the outcome; later failures are not reported again. */
  private outcomeReported = false;

  /** Creates the transaction; {@link start} sends the request. */
  constructor(
    id: string,
    ctx: TransactionContext,
    initial: S,
    /** The request as sent. */
    readonly request: SipRequest,
    /** Where the request (and its retransmissions, ACK and CANCEL) go. */
    protected readonly dest: TransportEndpoint,
    protected readonly handlers: ClientHandlers,
  ) {
    super(id, ctx, initial);
    this.reliable = isReliable(ctx, dest);
  }

  /** Sends the request for the first time and starts the timers. */
  abstract start(): void;

  /** Feeds a response the layer matched to this transaction (§17.1.3). */
  abstract receiveResponse(res: SipResponse): void;

  /** See {@link ClientTransaction.cancel}; only INVITE transactions act on it. */
  abstract cancel(handlers?: Partial<ClientHandlers>): void;

  /** Passes the request (first copy or retransmission) to the transport. */
  protected sendRequest(): void {
    this.dispatch(() => this.ctx.transport.send(this.request, this.dest));
  }

  /** Hands a 1xx to the TU. */
  protected deliverProvisional(res: SipResponse): void {
    const { onProvisional } = this.handlers;
    if (onProvisional) this.invoke(() => onProvisional.call(this.handlers, res));
  }

  /** Hands the final response to the TU, once. */
  protected deliverFinal(res: SipResponse): void {
    if (this.outcomeReported) return;
    this.outcomeReported = true;
    this.invoke(() => this.handlers.onFinal(res));
  }

  /** Ends the transaction on a timeout (Timer B / F, or §9.1) and tells the TU, once. */
  protected timeOut(): void {
    this.terminate();
    if (this.outcomeReported) return;
    this.outcomeReported = true;
    const { onTimeout } = this.handlers;
    if (onTimeout) this.invoke(() => onTimeout.call(this.handlers));
  }

  /**
   * §17.1.4: a send failure ends the transaction and is reported to the TU — unless the TU has
   * already had its final response (a failed ACK retransmission is of no use to it).
   */
  protected onSendFailure(err: Error): void {
    this.terminate();
    if (this.outcomeReported) return;
    this.outcomeReported = true;
    const { onTransportError } = this.handlers;
    if (onTransportError) this.invoke(() => onTransportError.call(this.handlers, err));
  }

  /** Ends Completed after Timer D / K, at once when the delay is zero (reliable transport). */
  protected linger(name: 'D' | 'K', ms: number): void {
    if (ms <= 0) this.terminate();
    else this.timers.start(name, ms, () => this.terminate());
  }
}
