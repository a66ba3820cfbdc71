/**
 * RFC 4028 session timers: which side refreshes a session and when, so that a call whose
 * peer vanished without a BYE is torn down instead of living forever.
 */
import type { SipMessage } from '../message/index.js';
import { DEFAULT_SESSION_EXPIRES_S, MIN_SESSION_EXPIRES_S } from './constants.js';
import { guarded } from './guard.js';

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

  /** `unitMs` is the length of one interval second: 1000, or less in tests. */
  constructor(
    private readonly actions: SessionTimerActions,
    private readonly unitMs = 1000,
  ) {}

  /** (Re)starts the timer for `intervalS`, refreshed by us (`local`) or by the peer. */
  start(intervalS: number, refresher: 'local' | 'remote'): void {
    this.stop();
    // §10: the refresher sends at half the interval; the other side gives up a little before
    // the end (interval minus min(32 s, interval/3)).
    const ms =
      refresher === 'local'
        ? (intervalS * this.unitMs) / 2
        : (intervalS - Math.min(32, intervalS / 3)) * this.unitMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      guarded(() => (refresher === 'local' ? this.actions.refresh() : this.actions.expire()));
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

/** Session-Expires of a refresh request we send: we (the UAC of it) refresh. */
function ourRefresh(intervalS: number): [string, string] {
  return ['Session-Expires', `${intervalS};refresher=uac`];
}

/**
 * The RFC 4028 negotiation of one call: which interval is in force and who refreshes, kept
 * up to date by every INVITE, UPDATE and 2xx that carries Session-Expires.
 */
export class CallSessionTimer {
  /** The negotiated interval, once timers are in use. */
  intervalS?: number;
  private readonly timer: SessionTimer;

  constructor(actions: SessionTimerActions, unitMs: number) {
    this.timer = new SessionTimer(actions, unitMs);
  }

  /**
   * Answers the initial INVITE (§9): the interval it asks for (or our default when it only
   * says Supported: timer), the refresher it names when the UAC supports timers (the UAC by
   * default), else us. Returns the headers for the 2xx and starts the timer.
   */
  answerInitial(invite: SipMessage, peerSupports: boolean): Array<[string, string]> {
    const se = readSessionExpires(invite);
    if (!se && !peerSupports) return [];
    const interval = se?.intervalS ?? DEFAULT_SESSION_EXPIRES_S;
    // §9: a UAC that does not support timers cannot refresh, whatever its header says (a
    // proxy may have inserted Session-Expires on its behalf).
    const refresher = peerSupports ? (se?.refresher ?? 'uac') : 'uas';
    this.begin(interval, refresher === 'uas' ? 'local' : 'remote');
    const out: Array<[string, string]> = [
      ['Session-Expires', `${interval};refresher=${refresher}`],
    ];
    if (peerSupports) out.push(['Require', 'timer']);
    return out;
  }

  /**
   * A refresh request from the peer (re-INVITE or UPDATE) that we accept: returns the
   * Session-Expires for our 2xx. Without Session-Expires in the request we stay on our
   * interval and refresh ourselves (§9: a UAS may insert refresher=uas), so that the session
   * keeps a refresher that knows it is one.
   */
  answerRefresh(req: SipMessage): Array<[string, string]> {
    const se = readSessionExpires(req);
    if (se) {
      const refresher = se.refresher ?? 'uac';
      this.begin(se.intervalS, refresher === 'uac' ? 'remote' : 'local');
      return [['Session-Expires', `${se.intervalS};refresher=${refresher}`]];
    }
    if (this.intervalS === undefined) return [];
    this.begin(this.intervalS, 'local');
    return [['Session-Expires', `${this.intervalS};refresher=uas`]];
  }

  /** Session-Expires for a refresh request we send; empty while timers are not in use. */
  requestHeaders(): Array<[string, string]> {
    return this.intervalS === undefined ? [] : [ourRefresh(this.intervalS)];
  }

  /**
   * A 2xx to a request we sent (initial INVITE, re-INVITE or UPDATE). `asked` tells whether
   * we asked for timers in it: a 2xx without Session-Expires then leaves us the refresher
   * (§7.2: the peer does not do timers, so only we can keep the session alive).
   */
  answered(res: SipMessage, asked: boolean): void {
    const se = readSessionExpires(res);
    if (se) {
      this.begin(se.intervalS, se.refresher === 'uas' ? 'remote' : 'local');
    } else if (asked && this.intervalS !== undefined) {
      this.begin(this.intervalS, 'local');
    }
  }

  /** Our refresh was refused without ending the session: refresh again after half an interval. */
  retry(): void {
    if (this.intervalS !== undefined) this.begin(this.intervalS, 'local');
  }

  /** Stops the timer (call ended). */
  stop(): void {
    this.timer.stop();
  }

  private begin(intervalS: number, refresher: 'local' | 'remote'): void {
    this.intervalS = intervalS;
    this.timer.start(intervalS, refresher);
  }
}
