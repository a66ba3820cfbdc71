/**
 * The transaction layer (RFC 3261 §17): routes every received message to the transaction it
 * belongs to (or to the TU when it belongs to none), creates server transactions for new
 * requests, answers CANCEL (§9.2), and starts client transactions for the TU.
 */
import { createResponse, generateTag, getTo } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse, TransportEndpoint } from '../message/index.js';
import type { TransactionBase, TransactionContext } from './base.js';
import { toError } from './base.js';
import type { ClientTransactionBase } from './client-base.js';
import { InviteClientTransaction } from './client-invite.js';
import { NonInviteClientTransaction } from './client-non-invite.js';
import {
  clientKeyForRequest,
  clientKeyForResponse,
  legacyToTagMatches,
  requestSource,
  serverMatch,
} from './matching.js';
import type { ServerMatch } from './matching.js';
import { InviteServerTransaction } from './server-invite.js';
import { NonInviteServerTransaction } from './server-non-invite.js';
import { resolveTimerConfig, systemClock } from './timers.js';
import type { TimerConfig, TransactionClock } from './timers.js';
import type {
  ClientHandlers,
  ClientTransaction,
  ClientTransactionState,
  ServerTransaction,
  TransactionTransport,
} from './types.js';

/** Options of a {@link TransactionLayer}; every field has an RFC 3261 default. */
export interface TransactionLayerOptions extends Partial<TimerConfig> {
  /** Timer source (default: the global setTimeout, which Vitest fake timers replace). */
  clock?: TransactionClock;
  /** Longest time {@link TransactionLayer.shutdown} waits for live transactions (32 s). */
  shutdownTimeoutMs?: number;
  /** Retry-After (seconds) on the 503 that new requests get while draining (default 30). */
  drainRetryAfterS?: number;
}

/** Either server state machine. */
type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** A To tag, '' when the request is outside a dialog. */
function toTagOf(msg: SipMessage): string {
  return getTo(msg).params.get('tag') ?? '';
}

/** The RFC 3261 transaction layer. */
export class TransactionLayer {
  /** The timer values in force. */
  readonly config: TimerConfig;
  private readonly clock: TransactionClock;
  private readonly shutdownTimeoutMs: number;
  private readonly drainRetryAfterS: number;
  private readonly ctx: TransactionContext;
  private readonly clients = new Map<string, ClientTransactionBase<ClientTransactionState>>();
  private readonly servers = new Map<string, AnyServerTransaction>();
  /** RFC 2543 transactions share a key when only their To tags differ, hence lists. */
  private readonly legacyServers = new Map<string, AnyServerTransaction[]>();
  /** Every live transaction with the function that forgets it. */
  private readonly live = new Map<TransactionBase<string>, () => void>();
  private readonly requestHandlers: Array<(req: SipRequest, tx: ServerTransaction) => void> = [];
  private readonly ackHandlers: Array<(ack: SipRequest) => void> = [];
  private readonly strayHandlers: Array<(res: SipResponse) => void> = [];
  private readonly errorHandlers: Array<(err: Error) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private isDraining = false;

  /** Creates a layer on top of `transport`. */
  constructor(
    private readonly transport: TransactionTransport,
    options: TransactionLayerOptions = {},
  ) {
    const { clock, shutdownTimeoutMs, drainRetryAfterS, ...timers } = options;
    this.config = resolveTimerConfig(timers);
    this.clock = clock ?? systemClock;
    this.shutdownTimeoutMs = shutdownTimeoutMs ?? 32_000;
    this.drainRetryAfterS = drainRetryAfterS ?? 30;
    this.ctx = {
      transport,
      config: this.config,
      clock: this.clock,
      terminated: (tx) => this.forget(tx),
      reportError: (err) => this.reportError(err),
    };
  }

  /**
   * True once {@link shutdown} was called. New out-of-dialog requests are then answered 503
   * with Retry-After by the layer itself; in-dialog requests (BYE, re-INVITE…), ACK and CANCEL
   * still reach the TU, which may read this flag to refuse more.
   */
  get draining(): boolean {
    return this.isDraining;
  }

  /** Registers a handler for new requests (not retransmissions, ACKs or matched CANCELs). */
  onRequest(handler: (req: SipRequest, tx: ServerTransaction) => void): void {
    this.requestHandlers.push(handler);
  }

  /** Registers a handler for ACKs that belong to no transaction (ACKs for 2xx). */
  onAck(handler: (ack: SipRequest) => void): void {
    this.ackHandlers.push(handler);
  }

  /** Registers a handler for responses that match no client transaction (2xx retransmissions). */
  onStrayResponse(handler: (res: SipResponse) => void): void {
    this.strayHandlers.push(handler);
  }

  /**
   * Registers a handler for exceptions thrown by TU callbacks and for messages too broken to
   * match. Without one they are emitted as process warnings.
   */
  onError(handler: (err: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  /** Number of transactions not yet terminated. */
  activeCount(): number {
    return this.live.size;
  }

  /** Feeds a message delivered by the transport. */
  receive(msg: SipMessage): void {
    try {
      if (msg.kind === 'response') this.receiveResponse(msg);
      else this.receiveRequest(msg);
    } catch (err) {
      this.reportError(err);
    }
  }

  /**
   * Starts a client transaction for `req`, whose top Via already carries a fresh branch, and
   * sends it to `dest`. An ACK (for a 2xx) has no transaction (§17.1.1.3): it is sent once, a
   * failure goes to `onTransportError`, and the returned handle is already terminated.
   */
  sendRequest(
    req: SipRequest,
    dest: TransportEndpoint,
    handlers: ClientHandlers,
  ): ClientTransaction {
    if (req.method === 'ACK') return this.sendAck(req, dest, handlers);
    const id = clientKeyForRequest(req);
    if (this.clients.has(id))
      throw new Error(`a ${req.method} transaction with this branch is live`);
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(id, this.ctx, req, dest, handlers, (c, d, h) =>
            this.sendRequest(c, d, h),
          )
        : new NonInviteClientTransaction(id, this.ctx, req, dest, handlers);
    this.clients.set(id, tx);
    this.live.set(tx, () => {
      if (this.clients.get(id) === tx) this.clients.delete(id);
    });
    tx.start();
    return tx;
  }

  /**
   * Starts draining: new out-of-dialog requests get 503 from now on. Resolves once no
   * transaction is still working towards a final response (those that only linger to absorb
   * retransmissions — completed, confirmed, accepted — are then ended silently), or after the
   * shutdown bound, when the rest are ended silently too, so that no timer outlives the layer.
   */
  shutdown(): Promise<void> {
    this.isDraining = true;
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let settled = false;
      const abortAll = (): void => {
        for (const tx of [...this.live.keys()]) tx.abort();
      };
      const settle = (): void => {
        if (settled) return;
        settled = true;
        cancelBound();
        cancelPoll();
        resolve();
      };
      const cancelBound = this.clock.schedule(() => {
        abortAll();
        settle();
      }, this.shutdownTimeoutMs);
      let cancelPoll: () => void = () => undefined;
      // Lingering states end on timers of up to 32 s; waiting for them would only delay the
      // stop, so poll for the moment nothing is pending any more.
      const poll = (): void => {
        if (this.pendingCount() === 0) {
          abortAll();
          settle();
        } else cancelPoll = this.clock.schedule(poll, 50);
      };
      poll();
      this.idleWaiters.push(settle);
    });
  }

  /** Transactions that have not reached a final response yet. */
  private pendingCount(): number {
    let n = 0;
    for (const tx of this.live.keys()) {
      if (tx.state === 'calling' || tx.state === 'trying' || tx.state === 'proceeding') n++;
    }
    return n;
  }

  /** §17.1.3: hand the response to its client transaction, or to the TU as a stray. */
  private receiveResponse(res: SipResponse): void {
    const key = clientKeyForResponse(res);
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (tx) tx.receiveResponse(res);
    else this.emit(this.strayHandlers, res);
  }

  /** §17.2.3: retransmission, ACK, CANCEL or a new request. */
  private receiveRequest(req: SipRequest): void {
    const match = serverMatch(req);
    const tx = this.findServer(match, req);
    if (req.method === 'ACK') {
      const absorbed = tx instanceof InviteServerTransaction && tx.receiveAck(req) === 'absorbed';
      if (!absorbed) this.emit(this.ackHandlers, req);
      return;
    }
    if (tx) {
      tx.receiveRequest(req);
      return;
    }
    if (req.method === 'CANCEL') {
      this.answerCancel(req, match);
      return;
    }
    if (this.isDraining && toTagOf(req) === '') {
      // Stateless (§8.2.7): a rejected request needs no transaction to outlive the shutdown.
      this.respondStatelessly(req, 503, [['Retry-After', String(this.drainRetryAfterS)]]);
      return;
    }
    const created = this.createServer(req, match);
    if (created instanceof InviteServerTransaction) created.start();
    this.dispatchRequest(req, created);
  }

  /** The server transaction a request matches, if any. */
  private findServer(match: ServerMatch, req: SipRequest): AnyServerTransaction | undefined {
    if (match.kind === 'branch') return this.servers.get(match.key);
    return this.legacyServers
      .get(match.key)
      ?.find((tx) => legacyToTagMatches(req, match.toTag, tx.request, tx.lastResponse));
  }

  /** Creates and registers the server transaction for a new request. */
  private createServer(req: SipRequest, match: ServerMatch): AnyServerTransaction {
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(match.key, this.ctx, req)
        : new NonInviteServerTransaction(match.key, this.ctx, req);
    if (match.kind === 'branch') {
      this.servers.set(match.key, tx);
      this.live.set(tx, () => {
        if (this.servers.get(match.key) === tx) this.servers.delete(match.key);
      });
    } else {
      const list = this.legacyServers.get(match.key) ?? [];
      list.push(tx);
      this.legacyServers.set(match.key, list);
      this.live.set(tx, () => {
        const remaining = list.filter((other) => other !== tx);
        if (remaining.length > 0) this.legacyServers.set(match.key, remaining);
        else this.legacyServers.delete(match.key);
      });
    }
    return tx;
  }

  /**
   * §9.2: a CANCEL gets its own non-INVITE server transaction (so its retransmissions are
   * answered) and 200 when it matches an INVITE server transaction — whose TU is then told, if
   * no final response has gone out — or 481 when it matches nothing.
   */
  private answerCancel(cancel: SipRequest, match: ServerMatch): void {
    const invite = this.findServer(serverMatch(cancel, 'INVITE'), cancel);
    const tx = this.createServer(cancel, match);
    if (!(invite instanceof InviteServerTransaction)) {
      tx.respond(createResponse(cancel, 481, { toTag: generateTag() }));
      return;
    }
    // §9.2: the 200 to the CANCEL should carry the To tag the INVITE's responses carry.
    const sentTag = invite.lastResponse ? toTagOf(invite.lastResponse) : '';
    tx.respond(createResponse(cancel, 200, { toTag: sentTag || generateTag() }));
    invite.cancel(cancel);
  }

  /** Hands a new request to the TU; a failing or missing TU still gets the request answered. */
  private dispatchRequest(req: SipRequest, tx: AnyServerTransaction): void {
    if (this.requestHandlers.length === 0) {
      tx.respond(createResponse(req, 501, { toTag: generateTag() }));
      return;
    }
    for (const handler of this.requestHandlers) {
      try {
        handler(req, tx);
      } catch (err) {
        this.reportError(err);
        // Without this the client would retransmit until its own timeout.
        if (tx.state === 'trying' || tx.state === 'proceeding') {
          tx.respond(createResponse(req, 500, { toTag: generateTag() }));
        }
      }
    }
  }

  /** Sends a response without a transaction; failures go to the error handlers. */
  private respondStatelessly(req: SipRequest, status: number, headers: Array<[string, string]>) {
    const res = createResponse(req, status, { toTag: generateTag(), headers });
    this.transport
      .sendResponse(res, requestSource(req))
      .catch((err: unknown) => this.reportError(err));
  }

  /** Sends an ACK for a 2xx: no transaction, nothing to retransmit (the TU re-ACKs strays). */
  private sendAck(req: SipRequest, dest: TransportEndpoint, handlers: ClientHandlers) {
    const fail = (err: unknown): void => {
      const { onTransportError } = handlers;
      if (!onTransportError) return this.reportError(err);
      try {
        onTransportError.call(handlers, toError(err));
      } catch (thrown) {
        this.reportError(thrown);
      }
    };
    try {
      this.transport.send(req, dest).catch(fail);
    } catch (err) {
      queueMicrotask(() => fail(err));
    }
    const handle: ClientTransaction = {
      id: `ACK ${req.headers.get('Call-ID') ?? ''}`,
      request: req,
      state: 'terminated',
      cancel: () => {
        // An ACK cannot be cancelled.
      },
    };
    return handle;
  }

  /** Forgets a terminated transaction and wakes shutdown once nothing is live. */
  private forget(tx: TransactionBase<string>): void {
    const remove = this.live.get(tx);
    if (!remove) return;
    remove();
    this.live.delete(tx);
    if (this.live.size === 0) for (const settle of this.idleWaiters.splice(0)) settle();
  }

  /** Calls TU handlers one by one; a throwing handler does not stop the others. */
  private emit<T>(handlers: ReadonlyArray<(arg: T) => void>, arg: T): void {
    for (const handler of handlers) {
      try {
        handler(arg);
      } catch (err) {
        this.reportError(err);
      }
    }
  }

  /** Routes an exception to the error handlers, or to a process warning when there are none. */
  private reportError(err: unknown): void {
    const error = toError(err);
    if (this.errorHandlers.length === 0) {
      process.emitWarning(error);
      return;
    }
    for (const handler of this.errorHandlers) {
      try {
        handler(error);
      } catch {
        process.emitWarning(error);
      }
    }
  }
}
