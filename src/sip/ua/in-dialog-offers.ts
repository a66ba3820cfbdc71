/**
 * Offer/answer inside an established call (RFC 3261 §14, RFC 3311, RFC 3264 §8): answering
 * re-INVITEs and UPDATEs (hold detection, glare, target refresh, session-timer headers),
 * sending our own re-INVITEs, and the session refreshes of RFC 4028 §10.
 */
import { createResponse, getCSeq, type SipRequest, type SipResponse } from '../message/index.js';
import {
  answerOffer,
  createOffer,
  isHoldOffer,
  readAnswer,
  type LocalMedia,
  type NegotiatedMedia,
} from '../sdp/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import { sdpOf } from './body.js';
import type { CallServices } from './call-services.js';
import type { CallSessionTimer } from './session-timer.js';
import type { SipCall } from './sip-call.js';
import { warning } from './warning.js';

/** The parts of a call that in-dialog offer/answer reads and drives. */
export interface OfferHost {
  readonly core: CallServices;
  readonly timer: CallSessionTimer;
  /** Our media with the next o= version (RFC 3264 §8). */
  nextLocalMedia(): LocalMedia;
  setMedia(media: NegotiatedMedia): void;
  setHold(hold: boolean): void;
  /** True while our 2xx to an INVITE waits for its ACK. */
  awaitingAck(): boolean;
  /** Retransmits our 2xx to a re-INVITE until the ACK. */
  awaitAck(seq: number, resend: () => void): void;
}

/** In-dialog offer/answer of one call. */
export class InDialogOffers {
  /** True while our re-INVITE waits for its final response. */
  reinviteInFlight = false;

  constructor(
    private readonly call: SipCall,
    private readonly host: OfferHost,
  ) {}

  /** A re-INVITE or UPDATE from the peer. */
  handle(req: SipRequest, tx: ServerTransaction): void {
    const offer = sdpOf(req);
    // RFC 3261 §14.2 / RFC 3311 §5.2: an offer while ours is outstanding is a glare (491); so
    // is a re-INVITE while our 2xx to the previous one still waits for its ACK.
    const glare =
      (this.reinviteInFlight && (req.method === 'INVITE' || offer !== undefined)) ||
      (req.method === 'INVITE' && this.host.awaitingAck());
    if (glare) {
      this.host.core.respond(tx, createResponse(req, 491, { headers: [['Retry-After', '1']] }));
      return;
    }
    if (offer !== undefined && !this.call.localMedia) {
      // An offer in the early dialog, before the application chose our media: nothing to say.
      const reason = 'No local media yet';
      this.host.core.respond(tx, createResponse(req, 488, { headers: [warning(reason)] }));
      return;
    }
    let body: string | undefined;
    if (offer !== undefined && this.call.localMedia) {
      const result = answerOffer(offer, this.host.nextLocalMedia());
      if (!result.ok) {
        this.host.core.respond(tx, createResponse(req, 488, { headers: [warning(result.reason)] }));
        return;
      }
      body = result.answer;
      this.call.remoteSdp = offer;
      this.call.localSdp = body;
      this.host.setMedia(result.media);
      this.host.setHold(isHoldOffer(offer));
    } else if (req.method === 'INVITE' && this.call.localSdp) {
      body = this.call.localSdp; // re-INVITE without offer: we offer, the ACK answers
    }
    // Only an accepted request refreshes the target (§12.2.2).
    this.call.dialog?.refreshTarget(req);
    const headers: Array<[string, string]> = [
      ['Contact', this.host.core.contactFor(this.call.dialog?.flow.protocol ?? 'udp')],
      ...this.host.core.commonHeaders(),
      ...this.host.timer.answerRefresh(req),
    ];
    const res = createResponse(req, 200, {
      headers,
      ...(body !== undefined ? { body, contentType: 'application/sdp' } : {}),
    });
    this.host.core.respond(tx, res);
    if (req.method === 'INVITE')
      this.host.awaitAck(getCSeq(req).seq, () => this.host.core.respond(tx, res));
  }

  /** Sends a re-INVITE with a fresh offer; undefined when none can be sent now. */
  async reinvite(): Promise<SipResponse | undefined> {
    const dialog = this.call.dialog;
    if (!dialog || this.call.state !== 'answered' || this.reinviteInFlight) return undefined;
    this.reinviteInFlight = true;
    const offer = createOffer(this.host.nextLocalMedia());
    const timerHeaders = this.host.timer.requestHeaders();
    try {
      const res = await this.host.core.sendInDialog(dialog, 'INVITE', {
        body: offer,
        contentType: 'application/sdp',
        headers: timerHeaders,
      });
      if (res.status < 200 || res.status >= 300) return res;
      // §13.2.2.4: a 2xx to INVITE is ACKed by us, not by the transaction layer.
      this.host.core.sendAck(dialog, dialog.request('ACK', { seq: getCSeq(res).seq }));
      if (this.call.state !== 'answered') return res;
      dialog.refreshTarget(res);
      this.call.localSdp = offer;
      const sdp = sdpOf(res);
      if (sdp !== undefined) {
        this.call.remoteSdp = sdp;
        const media = readAnswer(offer, sdp);
        if ('codec' in media) this.host.setMedia(media);
      }
      this.host.timer.answered(res, timerHeaders.length > 0);
      return res;
    } finally {
      this.reinviteInFlight = false;
    }
  }

  /** Session refresh (RFC 4028 §10): UPDATE when the peer allows it, else re-INVITE. */
  async refresh(): Promise<void> {
    const dialog = this.call.dialog;
    if (!dialog || this.call.state !== 'answered') return;
    // A re-INVITE already on its way refreshes the session itself when it succeeds.
    if (this.reinviteInFlight) return;
    const peerAllows = this.call.invite.headers.getAll('Allow').map((m) => m.trim().toUpperCase());
    let res: SipResponse | undefined;
    if (peerAllows.includes('UPDATE') && this.call.direction === 'inbound') {
      const headers = this.host.timer.requestHeaders();
      res = await this.host.core.sendInDialog(dialog, 'UPDATE', { headers });
      if (res.status >= 200 && res.status < 300) this.host.timer.answered(res, true);
    } else {
      res = await this.reinvite();
    }
    if (this.call.state !== 'answered') return;
    // §10: a refresh that times out or finds no dialog ends the session.
    if (!res || res.status === 408 || res.status === 481) {
      await this.call.hangup('session-refresh-failed');
    } else if (res.status >= 300) {
      // Refused for another reason (491, 500 …): the session stands, so try again later.
      this.host.timer.retry();
    }
  }
}
