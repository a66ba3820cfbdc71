/**
 * One INVITE session (a call leg) from the SIP side: answer/reject/hangup, in-dialog requests
 * (re-INVITE and UPDATE for hold and session refresh, BYE, INFO, REFER, NOTIFY, PRACK), 2xx
 * retransmission until ACK, reliable provisionals and session timers.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  createResponse,
  getCSeq,
  getFrom,
  getRequestUri,
  getTo,
  type NameAddr,
  type SipUri,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import {
  answerOffer,
  createOffer,
  generateSessionId,
  isHoldOffer,
  readAnswer,
  type LocalMedia,
  type NegotiatedMedia,
} from '../sdp/index.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/index.js';
import { sdpOf } from './body.js';
import type { CallServices } from './call-services.js';
import { Dialog } from './dialog.js';
import { InDialogOffers } from './in-dialog-offers.js';
import { handleRefer } from './refer-handler.js';
import { ReliableProvisionals } from './reliable-provisionals.js';
import { optionTags } from './request-checks.js';
import { CallSessionTimer } from './session-timer.js';
import { AckWait } from './ack-wait.js';
import { warning } from './warning.js';
import { background } from './guard.js';
import type { AnswerOptions, CallEnd, CallState, SipCallEvents } from './sip-call-types.js';

export type { IncomingRefer } from './refer-handler.js';

export type { AnswerOptions, CallEnd, CallState, SipCallEvents } from './sip-call-types.js';

/** The SIP side of one call. */
export class SipCall extends EventEmitter<SipCallEvents> {
  /** Unique id of this call leg (not the Call-ID, which forks can share). */
  readonly id = randomUUID();
  state: CallState;
  dialog?: Dialog;
  /** Negotiated media, once offer/answer completed. */
  media?: NegotiatedMedia;
  /** True while the peer holds the call (its last offer was sendonly/inactive/0.0.0.0). */
  onHold = false;
  localSdp?: string;
  remoteSdp?: string;
  /** Resolves when answered; rejects with the end cause if the call ends first. */
  readonly answered: Promise<void>;
  /** Resolves when the call ends, with why. */
  readonly ended: Promise<CallEnd>;
  endInfo?: CallEnd;
  /** Set by the core for inbound calls: the INVITE's server transaction. */
  serverTx?: ServerTransaction;
  /** Set by the core for outbound calls: the INVITE's client transaction. */
  clientTx?: ClientTransaction;
  /** Local tag used in our To (inbound) — known before the dialog exists. */
  readonly localTag: string;
  localMedia?: LocalMedia;
  /** Outbound: hangup() was called before an answer; a late 2xx is ACKed and BYEd. */
  cancelRequested = false;
  private sessionVersion = 0;
  private resolveAnswered!: () => void;
  private rejectAnswered!: (e: Error) => void;
  private resolveEnded!: (e: CallEnd) => void;
  private readonly ack: AckWait;
  private byeSent?: Promise<void>;
  private readonly offers: InDialogOffers;
  private readonly timer: CallSessionTimer;
  private readonly reliable: ReliableProvisionals;

  constructor(
    private readonly core: CallServices,
    readonly direction: 'inbound' | 'outbound',
    /** The initial INVITE (received, or as sent; replaced when an auth retry re-sends it). */
    public invite: SipRequest,
    localTag: string,
  ) {
    super();
    this.state = direction === 'inbound' ? 'ringing' : 'calling';
    this.localTag = localTag;
    this.ack = new AckWait(core);
    this.answered = new Promise<void>((res, rej) => {
      this.resolveAnswered = res;
      this.rejectAnswered = rej;
    });
    // Nobody is obliged to await `answered`; an unobserved rejection must not kill the process.
    this.answered.catch(() => undefined);
    this.ended = new Promise<CallEnd>((res) => (this.resolveEnded = res));
    this.timer = new CallSessionTimer(
      {
        refresh: () => background(this.offers.refresh()),
        expire: () => background(this.hangup('session-expired')),
      },
      core.sessionTimerUnitMs,
    );
    this.reliable = new ReliableProvisionals(core, getCSeq(invite).seq);
    this.offers = new InDialogOffers(this, {
      core,
      timer: this.timer,
      nextLocalMedia: () => this.nextLocalMedia(),
      setMedia: (media) => this.setMedia(media),
      setHold: (hold) => this.setHold(hold),
      awaitingAck: () => this.ack.pending,
      awaitAck: (seq, resend) => this.awaitAck(seq, resend),
    });
    if (direction === 'inbound') this.remoteSdp = sdpOf(invite);
  }

  /** The caller (From of the INVITE). */
  get from(): NameAddr {
    return getFrom(this.invite);
  }

  /** The called party (To of the INVITE). */
  get to(): NameAddr {
    return getTo(this.invite);
  }

  /** The INVITE's Request-URI, parsed; undefined if it cannot be read. */
  get requestUri(): SipUri | undefined {
    try {
      return getRequestUri(this.invite);
    } catch {
      return undefined;
    }
  }

  /** SIP Call-ID. */
  get callId(): string {
    return this.invite.headers.get('Call-ID') ?? '';
  }

  // ---- inbound: ring, answer, reject ------------------------------------------------------

  /** Sends 180 Ringing; reliably (RFC 3262) when the caller requires 100rel. */
  ring(): void {
    const tx = this.serverTx;
    if (!tx || this.state !== 'ringing' || tx.lastResponse?.status === 180) return;
    const reliable = optionTags(this.invite, 'Require').includes('100rel');
    // RFC 3262 §3: one unacknowledged reliable provisional at a time.
    if (reliable && this.reliable.awaiting) return;
    const protocol = this.invite.source?.protocol ?? 'udp';
    const headers: Array<[string, string]> = [
      ['Contact', this.core.contactFor(protocol)],
      ...this.invite.headers
        .getLines('Record-Route')
        .map((v): [string, string] => ['Record-Route', v]),
      ...this.core.commonHeaders(),
    ];
    const rseq = reliable ? this.reliable.next() : undefined;
    if (rseq !== undefined) headers.push(['Require', '100rel'], ['RSeq', String(rseq)]);
    const res = createResponse(this.invite, 180, { toTag: this.localTag, headers });
    this.ensureEarlyDialog();
    this.core.respond(tx, res);
    if (rseq !== undefined) {
      const resend = this.core.isReliable(protocol) ? undefined : () => this.core.respond(tx, res);
      // §3: no PRACK within 64*T1 → the UAS should reject the INVITE with a 5xx.
      this.reliable.await(rseq, resend, () =>
        this.reject(504, 'No PRACK for reliable provisional'),
      );
    }
  }

  /** Answers with 200 OK. Returns false (and rejects with 488) when no codec matches. */
  answer(opts: AnswerOptions): boolean {
    const tx = this.serverTx;
    if (!tx || this.state !== 'ringing') return false;
    this.localMedia = withSession(opts.media);
    let body: string;
    if (this.remoteSdp !== undefined) {
      const result = answerOffer(this.remoteSdp, this.nextLocalMedia());
      if (!result.ok) {
        this.reject(488, result.reason);
        return false;
      }
      body = result.answer;
      this.setMedia(result.media);
      this.onHold = isHoldOffer(this.remoteSdp);
    } else {
      body = createOffer(this.nextLocalMedia()); // late offer: the answer comes in the ACK
    }
    this.localSdp = body;
    const headers: Array<[string, string]> = [
      ['Contact', this.core.contactFor(this.invite.source?.protocol ?? 'udp')],
      ...this.invite.headers
        .getLines('Record-Route')
        .map((v): [string, string] => ['Record-Route', v]),
      ...this.core.commonHeaders(),
      ...this.timer.answerInitial(
        this.invite,
        optionTags(this.invite, 'Supported').includes('timer'),
      ),
      ...(opts.headers ?? []),
    ];
    const res = createResponse(this.invite, 200, {
      toTag: this.localTag,
      headers,
      body,
      contentType: 'application/sdp',
    });
    const dialog = this.ensureEarlyDialog();
    dialog.state = 'confirmed';
    this.reliable.stopResending();
    this.core.respond(tx, res);
    this.awaitAck(getCSeq(this.invite).seq, () => this.core.respond(tx, res));
    this.markAnswered();
    return true;
  }

  /** Refuses the call with a final status (3xx–6xx). */
  reject(status: number, reason?: string, headers: Array<[string, string]> = []): void {
    const tx = this.serverTx;
    if (!tx || this.state !== 'ringing') return;
    const warn: Array<[string, string]> = reason && status >= 400 ? [warning(reason)] : [];
    this.reliable.stop();
    this.core.respond(
      tx,
      createResponse(this.invite, status, {
        toTag: this.localTag,
        headers: [...warn, ...this.core.commonHeaders(), ...headers],
      }),
    );
    this.finish({ reason: status === 487 ? 'cancelled' : 'rejected', status, by: 'local' });
  }

  /** The caller sent CANCEL before we answered: 487 and end (RFC 3261 §9.2). */
  cancelledByRemote(): void {
    if (this.state !== 'ringing' || !this.serverTx) return;
    this.core.respond(this.serverTx, createResponse(this.invite, 487, { toTag: this.localTag }));
    this.finish({ reason: 'cancelled', status: 487, by: 'remote' });
  }

  // ---- both directions --------------------------------------------------------------------

  /** Ends the call: BYE when answered, CANCEL or a final refusal before. */
  async hangup(reason = 'local-bye'): Promise<void> {
    if (this.state === 'ended') return;
    if (this.direction === 'inbound' && this.state === 'ringing') {
      this.reject(480, 'Hung up before answer');
      return;
    }
    if (this.direction === 'outbound' && this.state !== 'answered') {
      this.cancelRequested = true;
      this.clientTx?.cancel();
      await this.ended;
      return;
    }
    this.byeSent ??= this.sendBye(reason);
    await this.byeSent;
  }

  /**
   * RFC 3261 §15: the callee may not send BYE before the ACK for its 2xx arrived (or the 2xx
   * retransmissions gave up): a BYE that overtakes a lost 200 would meet an unknown dialog.
   */
  private async sendBye(reason: string): Promise<void> {
    if (this.ack.pending) {
      await this.ack.settled();
      if (this.state === 'ended') return;
    }
    const dialog = this.dialog;
    this.finish({ reason, by: reason === 'local-bye' ? 'local' : 'system' });
    if (dialog) await this.core.sendInDialog(dialog, 'BYE');
  }

  /** Puts the peer on hold (a=sendonly) or takes it off (a=sendrecv) with a re-INVITE. */
  async hold(on: boolean): Promise<boolean> {
    if (!this.localMedia) return false;
    const before = this.localMedia.direction;
    this.localMedia.direction = on ? 'sendonly' : 'sendrecv';
    const res = await this.offers.reinvite();
    const ok = res !== undefined && res.status >= 200 && res.status < 300;
    // A refused offer changes nothing (RFC 3264 §8): the next offer must describe the old state.
    if (!ok && this.localMedia) this.localMedia.direction = before;
    return ok;
  }

  /** Sends a REFER (blind or, with `replaces`, attended transfer). Resolves with its status. */
  async refer(target: string, referredBy?: string): Promise<number> {
    if (!this.dialog || this.state !== 'answered') return 481;
    const headers: Array<[string, string]> = [['Refer-To', target]];
    if (referredBy) headers.push(['Referred-By', referredBy]);
    const res = await this.core.sendInDialog(this.dialog, 'REFER', { headers });
    return res.status;
  }

  /** Sends INFO (e.g. application/dtmf-relay). */
  async info(contentType: string, body: string): Promise<number> {
    if (!this.dialog) return 481;
    return (await this.core.sendInDialog(this.dialog, 'INFO', { contentType, body })).status;
  }

  /** Handles a request inside this call's dialog; the core already checked CSeq order. */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    switch (req.method) {
      case 'BYE':
        this.core.respond(tx, createResponse(req, 200, { headers: this.core.commonHeaders() }));
        if (this.direction === 'inbound' && this.state === 'ringing' && this.serverTx) {
          this.core.respond(
            this.serverTx,
            createResponse(this.invite, 487, { toTag: this.localTag }),
          );
        }
        this.finish({ reason: 'remote-bye', by: 'remote' });
        return;
      case 'INVITE':
        if (this.direction === 'inbound' && this.state === 'ringing') {
          // §14.2: a second INVITE before our final response to the first gets 500 with a
          // random Retry-After (an early dialog is refreshed with UPDATE, not re-INVITE).
          const retry = String(Math.floor(Math.random() * 10));
          this.core.respond(tx, createResponse(req, 500, { headers: [['Retry-After', retry]] }));
          return;
        }
        this.offers.handle(req, tx);
        return;
      case 'UPDATE':
        this.offers.handle(req, tx);
        return;
      case 'PRACK':
        this.handlePrack(req, tx);
        return;
      case 'INFO':
        this.core.respond(tx, createResponse(req, 200));
        this.emit('info', { contentType: req.headers.get('Content-Type'), body: req.body });
        return;
      case 'NOTIFY':
        this.core.respond(tx, createResponse(req, 200));
        this.emit('notify', req);
        return;
      case 'REFER':
        handleRefer(this, this.core, req, tx);
        return;
      case 'OPTIONS':
        this.core.respond(tx, createResponse(req, 200, { headers: this.core.commonHeaders() }));
        return;
      default:
        this.core.respond(tx, createResponse(req, 405, { headers: this.core.commonHeaders() }));
    }
  }

  /** An ACK for one of our 2xx arrived. */
  handleAck(ack: SipRequest): void {
    const seq = getCSeq(ack).seq;
    if (!this.ack.acknowledge(seq)) return;
    const sdp = sdpOf(ack);
    if (sdp !== undefined && this.localSdp !== undefined) {
      const media = readAnswer(this.localSdp, sdp);
      if (!('codec' in media)) return;
      this.remoteSdp = sdp;
      this.setMedia(media);
      // Offer in our 2xx, answer in the ACK: phones hold this way too (an a=sendonly answer).
      this.setHold(isHoldOffer(sdp));
    }
  }

  // ---- outbound, driven by the core -------------------------------------------------------

  /** A provisional response to our INVITE. */
  outboundProgress(res: SipResponse): void {
    if (this.state === 'calling' && res.status > 100) {
      this.state = 'ringing';
      this.emit('ringing');
    }
    // Early media (RFC 3261 §13.2.1, RFC 3262): the answer may come in a 18x, and the 2xx may
    // then carry no SDP at all. The first answer counts; a 2xx with SDP repeats it.
    const sdp = sdpOf(res);
    if (sdp !== undefined && this.remoteSdp === undefined && this.localSdp !== undefined) {
      const media = readAnswer(this.localSdp, sdp);
      if ('codec' in media) {
        this.remoteSdp = sdp;
        this.setMedia(media);
      }
    }
  }

  /** Our INVITE was answered; the core has created the dialog and sent the ACK. */
  outboundAnswered(dialog: Dialog, res: SipResponse): void {
    this.dialog = dialog;
    this.core.addDialog(dialog, this);
    const sdp = sdpOf(res);
    if (sdp !== undefined && this.localSdp !== undefined) {
      this.remoteSdp = sdp;
      const media = readAnswer(this.localSdp, sdp);
      if ('codec' in media) this.setMedia(media);
    }
    this.timer.answered(res, false);
    this.markAnswered();
  }

  /** Our INVITE failed or was cancelled. */
  outboundFailed(status: number, reason: string): void {
    this.finish({ reason, status, by: status === 487 ? 'local' : 'remote' });
  }

  /** Builds the offer for an outbound INVITE. */
  makeOffer(media: LocalMedia): string {
    this.localMedia = withSession(media);
    this.localSdp = createOffer(this.nextLocalMedia());
    return this.localSdp;
  }

  /** Ends the call locally without signalling (the core already did, or the peer vanished). */
  finish(end: CallEnd): void {
    if (this.state === 'ended') return;
    const wasAnswered = this.state === 'answered';
    this.state = 'ended';
    this.endInfo = end;
    this.timer.stop();
    this.ack.stop();
    this.reliable.stop();
    if (this.dialog) this.core.removeDialog(this.dialog);
    this.core.callEnded(this);
    if (!wasAnswered) this.rejectAnswered(new Error(`call ended before answer: ${end.reason}`));
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  // ---- internals --------------------------------------------------------------------------

  private markAnswered(): void {
    this.state = 'answered';
    this.resolveAnswered();
    this.emit('answered');
  }

  private setMedia(media: NegotiatedMedia): void {
    this.media = media;
    this.emit('media', media);
  }

  private setHold(hold: boolean): void {
    if (hold === this.onHold) return;
    this.onHold = hold;
    this.emit(hold ? 'hold' : 'unhold');
  }

  private nextLocalMedia(): LocalMedia {
    return { ...this.localMedia!, sessionVersion: this.sessionVersion++ };
  }

  private ensureEarlyDialog(): Dialog {
    if (!this.dialog) {
      this.dialog = Dialog.asUas(this.invite, this.localTag, 'early');
      this.core.addDialog(this.dialog, this);
    }
    return this.dialog;
  }

  /** Retransmits a 2xx until the ACK comes (RFC 3261 §13.3.1.4); no ACK in 64*T1 → BYE. */
  private awaitAck(seq: number, resend: () => void): void {
    const reliable = this.core.isReliable(this.dialog?.flow.protocol ?? 'udp');
    this.ack.start(seq, reliable ? undefined : resend, (hangupWaiting) => {
      // A hangup already waiting for this ACK goes ahead with its BYE; otherwise end here.
      if (!hangupWaiting) background(this.hangup('no-ack'));
    });
  }

  private handlePrack(req: SipRequest, tx: ServerTransaction): void {
    if (this.reliable.acknowledge(req)) {
      this.core.respond(tx, createResponse(req, 200, { headers: this.core.commonHeaders() }));
    } else {
      this.core.respond(
        tx,
        createResponse(req, 481, { reason: 'No matching reliable provisional' }),
      );
    }
  }
}

/** RFC 3264 §8: the o= session id stays the same for the whole session. */
function withSession(media: LocalMedia): LocalMedia {
  return { ...media, sessionId: media.sessionId ?? generateSessionId() };
}
