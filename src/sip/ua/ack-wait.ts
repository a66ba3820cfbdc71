/**
 * Waiting for the ACK of a 2xx we sent (RFC 3261 §13.3.1.4): the 2xx is resent from T1
 * doubling to T2 until the ACK comes, and given up after 64*T1. Others (a hangup, which may
 * not send BYE before the ACK, §15) can wait for the wait to settle.
 */
import { Retransmitter } from './retransmitter.js';

/** T1 and T2 of the core. */
export interface AckTiming {
  readonly t1Ms: number;
  readonly t2Ms: number;
}

/** One call's wait for the ACK of its latest 2xx. */
export class AckWait {
  private readonly retransmit = new Retransmitter();
  private seq?: number;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly timing: AckTiming) {}

  /** True while a 2xx waits for its ACK. */
  get pending(): boolean {
    return this.seq !== undefined;
  }

  /**
   * Starts waiting for the ACK of the 2xx to CSeq `seq`; `resend` is undefined on reliable
   * transports. `giveUp(someoneWaiting)` runs when no ACK came in 64*T1.
   */
  start(
    seq: number,
    resend: (() => void) | undefined,
    giveUp: (someoneWaiting: boolean) => void,
  ): void {
    this.seq = seq;
    this.retransmit.start('2xx', this.timing.t1Ms, this.timing.t2Ms, {
      send: resend ?? (() => undefined),
      giveUp: () => {
        if (this.seq !== seq) return;
        const someoneWaiting = this.waiters.length > 0;
        this.settle();
        giveUp(someoneWaiting);
      },
    });
  }

  /** An ACK with CSeq `seq` arrived; true when it was the one awaited. */
  acknowledge(seq: number): boolean {
    if (this.seq !== seq) return false;
    this.retransmit.stopAll();
    this.settle();
    return true;
  }

  /** Resolves once no ACK is awaited any more (it came, the wait gave up, or the call ended). */
  settled(): Promise<void> {
    if (this.seq === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops waiting (the call ended) and releases whoever waits. */
  stop(): void {
    this.retransmit.stopAll();
    this.settle();
  }

  private settle(): void {
    this.seq = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
