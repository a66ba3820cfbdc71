/**
 * Reliable provisional responses on the UAS side (RFC 3262): numbering them with RSeq,
 * retransmitting each until its PRACK arrives (over unreliable transports), and matching
 * PRACKs by their RAck header.
 */
import type { SipRequest } from '../message/index.js';
import { Retransmitter } from './retransmitter.js';

/** Timers a {@link ReliableProvisionals} needs from the core. */
export interface ReliableTiming {
  readonly t1Ms: number;
  readonly t2Ms: number;
}

/** A parsed RAck header (RFC 3262 §7.2): the RSeq and the CSeq it acknowledges. */
export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

/** Reads RAck; undefined when malformed. */
export function readRAck(req: SipRequest): RAck | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s+([A-Za-z]+)\s*$/.exec(req.headers.get('RAck') ?? '');
  if (!m) return undefined;
  return { rseq: Number(m[1]), cseq: Number(m[2]), method: m[3]!.toUpperCase() };
}

/** The reliable provisionals of one INVITE server transaction. */
export class ReliableProvisionals {
  /** RFC 3262 §3: the first RSeq is random (below 2^31), later ones go up by one. */
  private rseq = Math.floor(Math.random() * 1_000_000) + 1;
  private readonly retransmit = new Retransmitter();
  private pending?: number;

  constructor(
    private readonly timing: ReliableTiming,
    /** The INVITE's CSeq number, which every PRACK's RAck must name. */
    private readonly inviteSeq: number,
  ) {}

  /** The RSeq for the next reliable provisional. */
  next(): number {
    return ++this.rseq;
  }

  /**
   * Waits for the PRACK of provisional `rseq`, resending it meanwhile when `resend` is given
   * (unreliable transports); `giveUp` runs when no PRACK came in 64*T1.
   */
  await(rseq: number, resend: (() => void) | undefined, giveUp: () => void): void {
    this.pending = rseq;
    this.retransmit.start('prack', this.timing.t1Ms, this.timing.t2Ms, {
      send: resend ?? (() => undefined),
      giveUp: () => {
        this.pending = undefined;
        giveUp();
      },
    });
  }

  /** Matches a PRACK (RFC 3262 §3): true when it acknowledges the pending provisional. */
  acknowledge(req: SipRequest): boolean {
    const rack = readRAck(req);
    if (
      !rack ||
      this.pending === undefined ||
      rack.rseq !== this.pending ||
      rack.cseq !== this.inviteSeq ||
      rack.method !== 'INVITE'
    ) {
      return false;
    }
    this.stop();
    return true;
  }

  /** True while a reliable provisional waits for its PRACK. */
  get awaiting(): boolean {
    return this.pending !== undefined;
  }

  /**
   * The 2xx went out: stop resending, but keep the unacknowledged RSeq so that a PRACK which
   * crossed the 2xx still gets its 200 (RFC 3262 §3 allows 481 only for a PRACK that matches
   * nothing; a UAC may end the dialog on a 481).
   */
  stopResending(): void {
    this.retransmit.stopAll();
  }

  /** Stops waiting (final response sent, call ended). */
  stop(): void {
    this.pending = undefined;
    this.retransmit.stopAll();
  }
}
