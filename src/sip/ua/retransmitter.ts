/**
 * Timers for what the transaction layer does not retransmit: our 2xx to INVITE until the ACK
 * (RFC 3261 §13.3.1.4) and reliable provisionals until PRACK (RFC 3262 §3). Both double from
 * T1 up to T2 and give up after 64*T1.
 */
import { guarded } from './guard.js';

/** What to do on each tick and when giving up. */
export interface RetransmitActions {
  send(): void;
  giveUp(): void;
}

/** Named retransmission loops; starting a name again replaces the old loop. */
export class Retransmitter {
  private readonly loops = new Map<string, { timer: NodeJS.Timeout; deadline: NodeJS.Timeout }>();

  /** Starts resending every T1, 2*T1 … capped at T2, and gives up after 64*T1. */
  start(name: string, t1Ms: number, t2Ms: number, actions: RetransmitActions): void {
    this.stop(name);
    let interval = t1Ms;
    const tick = (): void => {
      guarded(actions.send);
      interval = Math.min(interval * 2, t2Ms);
      const loop = this.loops.get(name);
      if (loop) loop.timer = setTimeout(tick, interval);
    };
    const timer = setTimeout(tick, interval);
    const deadline = setTimeout(() => {
      this.stop(name);
      guarded(actions.giveUp);
    }, 64 * t1Ms);
    this.loops.set(name, { timer, deadline });
  }

  /** Stops one loop (the ACK or PRACK came). */
  stop(name: string): void {
    const loop = this.loops.get(name);
    if (!loop) return;
    clearTimeout(loop.timer);
    clearTimeout(loop.deadline);
    this.loops.delete(name);
  }

  /** Stops every loop (the call ended). */
  stopAll(): void {
    for (const name of [...this.loops.keys()]) this.stop(name);
  }
}
