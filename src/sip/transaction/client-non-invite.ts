/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6): Timer E retransmits over
 * unreliable transports (doubling up to T2, then every T2 once a provisional arrived), Timer F
 * gives up after 64*T1, Timer K absorbs response retransmissions for T4 after the final.
 */
import type { SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import { ClientTransactionBase } from './client-base.js';
import type { TransactionContext } from './base.js';
import { nextInterval, timeoutInterval } from './timers.js';
import type { ClientHandlers } from './types.js';

/** A client transaction for any method except INVITE and ACK. */
export class NonInviteClientTransaction extends ClientTransactionBase<
  'trying' | 'proceeding' | 'completed'
> {
  /** Creates the transaction in Trying; {@link start} sends the request. */
  constructor(
    id: string,
    ctx: TransactionContext,
    request: SipRequest,
    dest: TransportEndpoint,
    handlers: ClientHandlers,
  ) {
    super(id, ctx, 'trying', request, dest, handlers);
  }

  /** Sends the request, starts Timer E (unreliable only) and Timer F. */
  start(): void {
    const { t1Ms } = this.ctx.config;
    this.sendRequest();
    if (!this.reliable) this.timers.start('E', t1Ms, () => this.retransmit(t1Ms));
    this.timers.start('F', timeoutInterval(this.ctx.config), () => this.timeOut());
  }

  /** Timer E: resend and re-arm — doubling in Trying, fixed at T2 in Proceeding. */
  private retransmit(interval: number): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    this.sendRequest();
    const { t2Ms } = this.ctx.config;
    const next = this.current === 'proceeding' ? t2Ms : nextInterval(interval, t2Ms);
    this.timers.start('E', next, () => this.retransmit(next));
  }

  /** Provisionals go to the TU; the first final completes; Completed absorbs the rest. */
  receiveResponse(res: SipResponse): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    if (res.status < 200) {
      this.current = 'proceeding';
      this.deliverProvisional(res);
      return;
    }
    this.current = 'completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.linger('K', this.reliable ? 0 : this.ctx.config.t4Ms);
    this.deliverFinal(res);
  }

  /** Non-INVITE requests are not cancelled (RFC 3261 §9: CANCEL is for INVITE only). */
  cancel(): void {
    // Deliberately nothing: there is no pending INVITE to cancel.
  }
}
