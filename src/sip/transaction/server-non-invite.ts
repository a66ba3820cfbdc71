/**
 * The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8). Retransmitted requests are
 * answered with the last response (none yet in Trying: discarded); after the final, Timer J
 * keeps answering them for 64*T1 over unreliable transports and ends at once over reliable ones.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { TransactionContext } from './base.js';
import { ServerTransactionBase } from './server-base.js';
import { timeoutInterval } from './timers.js';

/** A server transaction for any method except INVITE and ACK. */
export class NonInviteServerTransaction extends ServerTransactionBase<
  'trying' | 'proceeding' | 'completed'
> {
  /** Creates the transaction in Trying. */
  constructor(id: string, ctx: TransactionContext, request: SipRequest) {
    super(id, ctx, 'trying', request);
  }

  /** Proceeding and Completed resend the last response; Trying has nothing to send. */
  receiveRequest(_req: SipRequest): void {
    if (this.current !== 'proceeding' && this.current !== 'completed') return;
    if (this.last) this.resend(this.last);
  }

  /** Provisionals keep the transaction open; the first final completes it; later ones drop. */
  respond(res: SipResponse): void {
    if (this.current !== 'trying' && this.current !== 'proceeding') return;
    if (res.status < 200) {
      this.current = 'proceeding';
      this.transmit(res);
      return;
    }
    this.current = 'completed';
    this.transmit(res);
    this.linger('J', this.reliable ? 0 : timeoutInterval(this.ctx.config));
  }
}
