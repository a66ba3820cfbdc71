/**
 * The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, with the Accepted state of
 * RFC 6026 §7.1). It answers 100 Trying at once, resends the last response for retransmitted
 * INVITEs, retransmits a 3xx–6xx with Timer G until the ACK comes (Timer H gives up), then
 * absorbs ACK retransmissions for Timer I. After a 2xx it waits in Accepted for Timer L:
 * retransmitted INVITEs are absorbed instead of looking like new requests, and the TU's own 2xx
 * retransmissions (§13.3.1.4) pass straight through.
 */
import { createResponse } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { TransactionContext } from './base.js';
import { ServerTransactionBase } from './server-base.js';
import { nextInterval, timeoutInterval } from './timers.js';

/** What the layer should do with an ACK it matched to this transaction. */
export type AckDisposition = 'absorbed' | 'to-tu';

/** A server transaction for an INVITE. */
export class InviteServerTransaction extends ServerTransactionBase<
  'proceeding' | 'completed' | 'confirmed' | 'accepted'
> {
  /** Creates the transaction in Proceeding; {@link start} sends the 100 Trying. */
  constructor(id: string, ctx: TransactionContext, request: SipRequest) {
    super(id, ctx, 'proceeding', request);
  }

  /**
   * Sends 100 Trying (§17.2.1: it stops the client's Timer A). Sent at once instead of after
   * 200 ms because the TU (an application) may take a while to decide.
   */
  start(): void {
    // createResponse echoes a Timestamp into a 100 (§8.2.6.1) and adds no To tag.
    this.transmit(createResponse(this.request, 100));
  }

  /** A retransmitted INVITE gets the last response again, except once it has been answered. */
  receiveRequest(_req: SipRequest): void {
    if (this.current !== 'proceeding' && this.current !== 'completed') return;
    if (this.last) this.resend(this.last);
  }

  /** Runs the Figure 7 / RFC 6026 transitions for a response from the TU. */
  respond(res: SipResponse): void {
    const success = res.status >= 200 && res.status < 300;
    if (this.current === 'accepted' || this.current === 'terminated') {
      // RFC 6026: 2xx retransmissions from the TU go to the transport. Accepting them
      // after termination too spares the dialog layer a race with Timer L.
      if (success) this.resend(res);
      return;
    }
    if (this.current !== 'proceeding') return;
    if (res.status < 200) {
      this.transmit(res);
      return;
    }
    if (success) {
      this.current = 'accepted';
      this.transmit(res);
      this.timers.start('L', timeoutInterval(this.ctx.config), () => this.terminate());
      return;
    }
    this.current = 'completed';
    this.transmit(res);
    const { t1Ms } = this.ctx.config;
    if (!this.reliable) this.timers.start('G', t1Ms, () => this.retransmit(t1Ms));
    this.timers.start('H', timeoutInterval(this.ctx.config), () => this.timeOut());
  }

  /** Timer G: resend the 3xx–6xx while Completed, doubling up to T2. */
  private retransmit(interval: number): void {
    if (this.current !== 'completed' || !this.last) return;
    this.resend(this.last);
    const next = nextInterval(interval, this.ctx.config.t2Ms);
    this.timers.start('G', next, () => this.retransmit(next));
  }

  /**
   * An ACK matched to this transaction. In Completed it confirms the non-2xx (Timer I then
   * absorbs its retransmissions); in Accepted it acknowledges a 2xx and belongs to the TU.
   */
  receiveAck(_ack: SipRequest): AckDisposition {
    if (this.current === 'accepted') return 'to-tu';
    if (this.current === 'completed') {
      this.current = 'confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      this.linger('I', this.reliable ? 0 : this.ctx.config.t4Ms);
    }
    return 'absorbed';
  }

  /** A CANCEL still has an effect only before a final response (§9.2). */
  protected override canBeCancelled(): boolean {
    return this.current === 'proceeding';
  }
}
