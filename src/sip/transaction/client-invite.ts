/**
 * The INVITE client transaction (RFC 3261 §17.1.1, Figure 5) and the client half of CANCEL
 * (§9.1). Timer A retransmits over unreliable transports (doubling without a cap), Timer B gives
 * up after 64*T1 while still Calling, a 3xx–6xx is ACKed by the transaction itself and Timer D
 * keeps the ACK available for retransmitted finals. A 2xx ends the transaction at once: the TU
 * (dialog layer) ACKs it, and 2xx retransmissions reach the TU as stray responses.
 */
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import type { TransactionContext } from './base.js';
import { ClientTransactionBase } from './client-base.js';
import { buildCancel, buildNonSuccessAck } from './requests.js';
import { nextInterval, timeoutInterval } from './timers.js';
import type { ClientHandlers, ClientTransaction } from './types.js';

/** Starts the CANCEL's own non-INVITE client transaction (provided by the layer). */
export type CancelSender = (
  cancel: SipRequest,
  dest: TransportEndpoint,
  handlers: ClientHandlers,
) => ClientTransaction;

/** A client transaction for an INVITE. */
export class InviteClientTransaction extends ClientTransactionBase<
  'calling' | 'proceeding' | 'completed'
> {
  /** The ACK for a non-2xx final, kept to answer retransmissions of that final. */
  private ack: SipRequest | undefined;
  /** Set by {@link cancel}; holds the CANCEL's handlers until the CANCEL may be sent. */
  private cancelRequest: { handlers: Partial<ClientHandlers> } | undefined;
  /** True once the CANCEL has gone out. */
  private cancelSent = false;

  /** Creates the transaction in Calling; {@link start} sends the INVITE. */
  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    dest: TransportEndpoint,
    handlers: ClientHandlers,
    private readonly sendCancel: CancelSender,
  ) {
    super(id, ctx, 'calling', request, dest, handlers);
  }

  /** Sends the INVITE, starts Timer A (unreliable only) and Timer B. */
  start(): void {
    const { t1Ms } = this.ctx.config;
    this.sendRequest();
    if (!this.reliable) this.timers.start('A', t1Ms, () => this.retransmit(t1Ms));
    this.timers.start('B', timeoutInterval(this.ctx.config), () => this.timeOut());
  }

  /** Timer A: resend while Calling, doubling the interval each time. */
  private retransmit(interval: number): void {
    if (this.current !== 'calling') return;
    this.sendRequest();
    const next = nextInterval(interval);
    this.timers.start('A', next, () => this.retransmit(next));
  }

  /** Runs the Figure 5 transitions for a matched response. */
  receiveResponse(res: SipResponse): void {
    if (this.current === 'completed') {
      // A retransmitted 3xx–6xx means our ACK was lost: send it again, tell nobody.
      if (res.status >= 300 && this.ack) this.sendAck(this.ack);
      return;
    }
    if (this.current === 'terminated') return;
    if (res.status < 200) {
      this.current = 'proceeding';
      this.timers.stop('A');
      // Timer B only guards Calling; from here the TU bounds the wait (by cancelling).
      this.timers.stop('B');
      this.deliverProvisional(res);
      if (this.cancelRequest && !this.cancelSent) this.fireCancel();
      return;
    }
    if (res.status < 300) {
      this.terminate();
      this.deliverFinal(res);
      return;
    }
    this.current = 'completed';
    this.timers.stop('A');
    this.timers.stop('B');
    this.timers.stop('cancel');
    this.ack = buildNonSuccessAck(this.request, res);
    this.sendAck(this.ack);
    this.linger('D', this.reliable ? 0 : this.ctx.config.timerDMs);
    this.deliverFinal(res);
  }

  /** Sends the ACK for a non-2xx final to the INVITE's destination. */
  private sendAck(ack: SipRequest): void {
    this.dispatch(() => this.ctx.transport.send(ack, this.dest));
  }

  /**
   * Requests a CANCEL (§9.1). Sent at once in Proceeding, held in Calling until a provisional
   * arrives, dropped if a final arrives first. Repeated calls have no further effect.
   */
  cancel(handlers: Partial<ClientHandlers> = {}): void {
    if (this.cancelRequest) return;
    if (this.current !== 'calling' && this.current !== 'proceeding') return;
    this.cancelRequest = { handlers };
    if (this.current === 'proceeding') this.fireCancel();
  }

  /**
   * Sends the CANCEL through its own transaction and arms the §9.1 guard: if no final answer to
   * the INVITE arrives within 64*T1, the INVITE transaction is destroyed (reported as timeout)
   * rather than waiting forever on a UAS that ignored the CANCEL.
   */
  private fireCancel(): void {
    const request = this.cancelRequest;
    if (!request) return;
    this.cancelSent = true;
    const { handlers } = request;
    this.sendCancel(buildCancel(this.request), this.dest, {
      ...handlers,
      onFinal: (res) => handlers.onFinal?.(res),
    });
    this.timers.start('cancel', timeoutInterval(this.ctx.config), () => this.timeOut());
  }
}
