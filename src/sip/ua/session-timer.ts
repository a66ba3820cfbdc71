/**
 * RFC 4028 session timers: which side refreshes a session and when, so that a call whose
 * peer vanished without a BYE is torn down instead of living forever.
 */
import type { SipMessage } from '../message/index.js';
import { MIN_SESSION_EXPIRES_S } from './constants.js';

/** Parsed Session-Expires header. */
export interface SessionExpires {
  intervalS: number;
  refresher?: 'uac' | 'uas';
}

/** Reads Session-Expires (or its compact form `x`); undefined when absent or unreadable. */
export function readSessionExpires(msg: SipMessage): SessionExpires | undefined {
  const v = msg.headers.get('Session-Expires');
  if (!v) return undefined;
  const [first, ...params] = v.split(';');
  const intervalS = Number(first?.trim());
  if (!Number.isInteger(intervalS) || intervalS <= 0) return undefined;
  let refresher: 'uac' | 'uas' | undefined;
  for (const p of params) {
    const [k, val] = p.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'refresher' && (val === 'uac' || val === 'uas')) refresher = val;
  }
  return { intervalS, refresher };
}

/** Reads Min-SE, defaulting to the RFC's 90 seconds. */
export function readMinSe(msg: SipMessage): number {
  const n = Number(msg.headers.get('Min-SE')?.split(';')[0]?.trim());
  return Number.isInteger(n) && n > 0 ? n : MIN_SESSION_EXPIRES_S;
}

/** Callbacks of a running {@link SessionTimer}. */
export interface SessionTimerActions {
  /** We are the refresher and half the interval passed: send a refresh. */
  refresh(): void;
  /** The peer was the refresher and the session expired: end the call. */
  expire(): void;
}

/**
 * One session timer. `start` is called on every successful (re-)negotiation, which resets it
 * (RFC 4028 §10: any 2xx to a refresh restarts the interval).
 */
export class SessionTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly actions: SessionTimerActions) {}

  /** (Re)starts the timer for `intervalS`, refreshed by us (`local`) or by the peer. */
  start(intervalS: number, refresher: 'local' | 'remote'): void {
    this.stop();
    // §10: the refresher sends at half the interval; the other side gives up a little before
    // the end (interval minus min(32 s, interval/3)).
    const ms =
      refresher === 'local' ? (intervalS * 1000) / 2 : (intervalS - Math.min(32, intervalS / 3)) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (refresher === 'local') this.actions.refresh();
      else this.actions.expire();
    }, ms);
    this.timer.unref?.();
  }

  /** Stops the timer (call ended). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** True while a timer is pending. */
  get running(): boolean {
    return this.timer !== undefined;
  }
}
