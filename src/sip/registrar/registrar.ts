/**
 * REGISTER processing (RFC 3261 §10.3) and the location service built on its bindings. The
 * registrar turns one REGISTER into one SipResponse; the UA core sends it through the server
 * transaction.
 */
import {
  createResponse,
  formatUri,
  generateTag,
  getCSeq,
  getCallId,
  getContacts,
  getTo,
} from '../message/index.js';
import type { NameAddr, SipRequest, SipResponse, SipUri } from '../message/index.js';
import type { DigestChallenger } from '../auth/index.js';
import { normaliseAor, sameUriText } from './aor.js';
import type { Binding, RegistrationChange, RegistrationStore } from './types.js';

/** The part of DigestChallenger the registrar uses (a stub will do in tests). */
export type RegistrarAuthenticator = Pick<DigestChallenger, 'verify' | 'challengeHeaders'>;

/** Options of a Registrar. */
export interface RegistrarOptions {
  store: RegistrationStore;
  /** When set, every REGISTER must carry valid digest credentials for the To user. */
  challenger?: RegistrarAuthenticator;
  /** Domains this registrar serves (To host, case-insensitive); default: any. */
  domains?: string[];
  /** Shortest accepted non-zero expiry; shorter ones get 423. Default 60 s. */
  minExpiresS?: number;
  /** Longer requested expiries are cut to this. Default 3600 s. */
  maxExpiresS?: number;
  /** Expiry when neither the Contact nor the request gives one. Default 3600 s. */
  defaultExpiresS?: number;
  /**
   * Most bindings per AOR; registering more drops the ones closest to expiry, so that a
   * misbehaving client cannot grow an AOR without bound. Default 10.
   */
  maxBindingsPerAor?: number;
  /** Clock in milliseconds since the epoch. Default Date.now. */
  now?: () => number;
  /** Called after each saved binding change. */
  onChange?: (change: RegistrationChange) => void;
}

/** A Contact of the request, validated. */
interface ContactUpdate {
  uri: string;
  expiresS: number;
  q: number;
}

/** A response to build: status, optional reason phrase, extra headers. */
class Reply {
  constructor(
    readonly status: number,
    readonly reason?: string,
    readonly headers: Array<[string, string]> = [],
  ) {}
}

const DELTA_SECONDS = /^\s*\d+\s*$/;

/** A registrar and location service over a RegistrationStore. */
export class Registrar {
  private readonly store: RegistrationStore;
  private readonly now: () => number;
  private readonly minExpiresS: number;
  private readonly maxExpiresS: number;
  private readonly defaultExpiresS: number;
  private readonly maxBindings: number;
  private readonly domains: Set<string> | undefined;
  private readonly listeners = new Set<(change: RegistrationChange) => void>();
  // Per-AOR queue: each read-modify-write waits for the previous one on the same AOR.
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly options: RegistrarOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.minExpiresS = options.minExpiresS ?? 60;
    this.maxExpiresS = Math.max(options.maxExpiresS ?? 3600, this.minExpiresS);
    this.defaultExpiresS = options.defaultExpiresS ?? 3600;
    this.maxBindings = Math.max(1, options.maxBindingsPerAor ?? 10);
    this.domains = options.domains && new Set(options.domains.map((d) => d.toLowerCase()));
    if (options.onChange) this.listeners.add(options.onChange);
  }

  /**
   * Subscribes to binding changes (added, refreshed, removed, expired). Listeners run
   * synchronously after the store has saved; exceptions they throw are swallowed so that one
   * bad listener cannot fail a registration that has already been stored. Returns an
   * unsubscribe function.
   */
  onChange(listener: (change: RegistrationChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Processes a REGISTER and returns the response to send (RFC 3261 §10.3). */
  async handle(req: SipRequest): Promise<SipResponse> {
    if (req.method !== 'REGISTER') {
      return this.reply(req, new Reply(405, undefined, [['Allow', 'REGISTER']]));
    }
    let to: NameAddr;
    try {
      to = getTo(req);
    } catch {
      return this.reply(req, new Reply(400, 'Bad To header'));
    }
    const refusal = this.checkTarget(req, to.uri);
    if (refusal) return this.reply(req, refusal);

    if (this.options.challenger) {
      const result = await this.options.challenger.verify(req, false);
      if (!result.ok) {
        const headers = this.options.challenger
          .challengeHeaders({ stale: result.stale })
          .map((v): [string, string] => ['WWW-Authenticate', v]);
        return this.reply(req, new Reply(401, undefined, headers));
      }
      // §10.3 step 4: the authenticated user may only change its own bindings.
      if (result.username !== to.uri.user) return this.reply(req, new Reply(403));
    }

    const aor = normaliseAor(to.uri);
    let callId: string;
    let cseq: number;
    let contacts: Array<NameAddr | '*'>;
    try {
      callId = getCallId(req);
      cseq = getCSeq(req).seq;
      contacts = getContacts(req);
    } catch {
      return this.reply(req, new Reply(400, 'Malformed REGISTER'));
    }
    const parsed = this.parseContacts(req, contacts);
    if (parsed instanceof Reply) return this.reply(req, parsed);

    const outcome = await this.withLock(aor, () => this.update(aor, req, callId, cseq, parsed));
    if (outcome instanceof Reply) return this.reply(req, outcome);
    return this.reply(req, this.okReply(outcome));
  }

  /**
   * The location service: unexpired bindings of `aor` (any form normaliseAor accepts), highest
   * q first and, among equal q, the longest-lived first. An unparsable AOR has no bindings.
   */
  async lookup(aor: string): Promise<Binding[]> {
    let key: string;
    try {
      key = normaliseAor(aor);
    } catch {
      return [];
    }
    const live = await this.withLock(key, () => this.loadLive(key));
    return live.sort((a, b) => b.q - a.q || b.expiresAt - a.expiresAt);
  }

  /** Every AOR with its unexpired bindings (expired ones are pruned on the way). */
  async registrations(): Promise<Map<string, Binding[]>> {
    await this.prune();
    return this.store.all();
  }

  /** Removes expired bindings everywhere; returns how many went. Call it periodically. */
  async prune(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const [aor, bindings] of await this.store.all()) {
      if (!bindings.some((b) => b.expiresAt <= now)) continue;
      await this.withLock(aor, async () => {
        const before = (await this.store.load(aor)).length;
        const after = (await this.loadLive(aor)).length;
        removed += before - after;
      });
    }
    return removed;
  }

  /** §10.3 steps 1, 2 and 5: the AOR must be a SIP URI with a user in one of our domains. */
  private checkTarget(req: SipRequest, uri: SipUri): Reply | undefined {
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') {
      return new Reply(416);
    }
    if (this.domains && !this.domains.has(uri.host.toLowerCase())) {
      return new Reply(404, 'Domain not served here');
    }
    if (!uri.user) return new Reply(404, 'No user in address-of-record');
    // Step 2: this registrar supports no extensions, so any Require tag is unsupported.
    const required = req.headers.getAll('Require');
    if (required.length > 0) {
      return new Reply(420, undefined, [['Unsupported', required.join(', ')]]);
    }
    return undefined;
  }

  /** §10.3 step 6 checks that need no stored state: wildcard rules, expires, q, URIs. */
  private parseContacts(
    req: SipRequest,
    contacts: Array<NameAddr | '*'>,
  ): ContactUpdate[] | '*' | Reply {
    const expiresHeader = req.headers.get('Expires');
    if (expiresHeader !== undefined && !DELTA_SECONDS.test(expiresHeader)) {
      return new Reply(400, 'Bad Expires header');
    }
    const headerExpires = expiresHeader === undefined ? undefined : Number(expiresHeader);
    if (contacts.includes('*')) {
      if (contacts.length !== 1 || headerExpires !== 0) {
        return new Reply(400, 'Wildcard Contact needs Expires: 0 and no other Contact');
      }
      return '*';
    }
    const out: ContactUpdate[] = [];
    for (const c of contacts) {
      if (c === '*') continue;
      const param = c.params.get('expires');
      if (param !== undefined && (param === null || !DELTA_SECONDS.test(param))) {
        return new Reply(400, 'Bad Contact expires');
      }
      let expiresS =
        param !== undefined && param !== null
          ? Number(param)
          : (headerExpires ?? this.defaultExpiresS);
      if (expiresS !== 0 && expiresS < this.minExpiresS) {
        return new Reply(423, undefined, [['Min-Expires', String(this.minExpiresS)]]);
      }
      expiresS = Math.min(expiresS, this.maxExpiresS);
      const qText = c.params.get('q');
      const q = qText === undefined ? 1 : Number(qText);
      if (qText === null || !Number.isFinite(q) || q < 0 || q > 1) {
        return new Reply(400, 'Bad Contact q');
      }
      out.push({ uri: formatUri(c.uri), expiresS, q });
    }
    return out;
  }

  /** §10.3 steps 6–8 against the stored bindings; returns the bindings now current. */
  private async update(
    aor: string,
    req: SipRequest,
    callId: string,
    cseq: number,
    contacts: ContactUpdate[] | '*',
  ): Promise<Binding[] | Reply> {
    const now = this.now();
    const bindings = await this.loadLive(aor);
    // Step 7: a binding last written in this Call-ID with a CSeq not below ours means this
    // request is out of order. The RFC says the update MUST be aborted and the request fail;
    // we answer 500 (a retransmission never gets here: the transaction layer absorbs it).
    const outOfOrder = (b: Binding): boolean => b.callId === callId && cseq <= b.cseq;
    const changes: RegistrationChange[] = [];

    if (contacts === '*') {
      if (bindings.some(outOfOrder)) return new Reply(500, 'Out-of-order REGISTER');
      for (const b of bindings) changes.push({ type: 'removed', aor, binding: b });
      await this.store.save(aor, []);
      this.emit(changes);
      return [];
    }
    if (contacts.length === 0) return bindings; // a query (§10.2.3)

    const next = [...bindings];
    for (const c of contacts) {
      const index = next.findIndex((b) => sameUriText(b.contact, c.uri));
      const existing = index >= 0 ? next[index] : undefined;
      if (existing && outOfOrder(existing)) return new Reply(500, 'Out-of-order REGISTER');
      if (c.expiresS === 0) {
        if (existing) {
          next.splice(index, 1);
          changes.push({ type: 'removed', aor, binding: existing });
        }
        continue;
      }
      const binding: Binding = {
        contact: existing?.contact ?? c.uri,
        expiresAt: now + c.expiresS * 1000,
        q: c.q,
        callId,
        cseq,
        ...(req.source ? { source: { ...req.source } } : {}),
        ...userAgent(req),
      };
      if (existing) next[index] = binding;
      else next.push(binding);
      changes.push({ type: existing ? 'refreshed' : 'added', aor, binding });
    }
    while (next.length > this.maxBindings) {
      const soonest = next.reduce((m, b, i) => (b.expiresAt < next[m]!.expiresAt ? i : m), 0);
      const [dropped] = next.splice(soonest, 1);
      if (dropped) changes.push({ type: 'removed', aor, binding: dropped });
    }
    await this.store.save(aor, next);
    this.emit(changes);
    return next;
  }

  /** The AOR's bindings without expired ones, saving and reporting any that expired. */
  private async loadLive(aor: string): Promise<Binding[]> {
    const now = this.now();
    const all = await this.store.load(aor);
    const live = all.filter((b) => b.expiresAt > now);
    if (live.length !== all.length) {
      await this.store.save(aor, live);
      this.emit(
        all
          .filter((b) => b.expiresAt <= now)
          .map((binding): RegistrationChange => ({ type: 'expired', aor, binding })),
      );
    }
    return live;
  }

  /** The 200 OK: every current binding with its remaining time, and Date (§10.3 step 8). */
  private okReply(bindings: Binding[]): Reply {
    const now = this.now();
    const headers: Array<[string, string]> = bindings.map((b) => {
      const expires = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
      const q = b.q === 1 ? '' : `;q=${Number(b.q.toFixed(3))}`;
      return ['Contact', `<${b.contact}>;expires=${expires}${q}`];
    });
    headers.push(['Date', new Date(now).toUTCString()]);
    return new Reply(200, undefined, headers);
  }

  private reply(req: SipRequest, r: Reply): SipResponse {
    return createResponse(req, r.status, {
      toTag: generateTag(),
      headers: r.headers,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    });
  }

  private emit(changes: RegistrationChange[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch {
          // Documented on onChange: the change is stored; a listener failure must not undo it.
        }
      }
    }
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

function userAgent(req: SipRequest): { userAgent?: string } {
  const ua = req.headers.get('User-Agent');
  return ua === undefined ? {} : { userAgent: ua };
}
