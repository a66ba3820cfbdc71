/**
 * The user agent core (RFC 3261 §8): checks every request, answers OPTIONS and REGISTER,
 * finds the dialog of in-dialog requests (481 when there is none), turns INVITEs into
 * {@link SipCall}s, places outbound calls, answers what can be answered of malformed input,
 * and drains calls on shutdown.
 */
import { EventEmitter } from 'node:events';
import {
  createResponse,
  generateBranch,
  generateTag,
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getTo,
  parseUri,
  SipParseError,
  type SipRequest,
  type SipResponse,
  type TransportEndpoint,
  type TransportProtocol,
} from '../message/index.js';
import type { Binding, Registrar, RegistrationStore } from '../registrar/index.js';
import type { LocalMedia } from '../sdp/index.js';
import type { ServerTransaction, TransactionLayer } from '../transaction/index.js';
import type { TransportLayer } from '../transport/index.js';
import { sdpOf } from './body.js';
import type { CallServices, InDialogOptions } from './call-services.js';
import { ALLOWED_METHODS, MIN_SESSION_EXPIRES_S, SUPPORTED_OPTIONS } from './constants.js';
import { Dialog, dialogKey } from './dialog.js';
import { lookupUser, placeCall, type OutboundCallOptions } from './outbound-call.js';
import { checkRequest } from './request-checks.js';
import { warning } from './warning.js';
import { background } from './guard.js';
import { readMinSe, readSessionExpires } from './session-timer.js';
import { SipCall } from './sip-call.js';

/** The subset of a pino logger the SIP stack writes to (it depends on no logging library). */
export interface SipLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: SipLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Options of a {@link UserAgent}. */
export interface UserAgentOptions {
  transport: TransportLayer;
  transactions: TransactionLayer;
  registrar?: Registrar;
  /** The registrar's store, to find a user registered under another host name. */
  registrations?: RegistrationStore;
  /** Our SIP domain, used in From of outbound calls and to find registered users. */
  domain: string;
  /** Server / User-Agent header value. */
  userAgentName?: string;
  /** User part of our Contact. */
  contactUser?: string;
  logger?: SipLogger;
  /**
   * Longest an INVITE may ring unanswered, either direction, before it is given up (480 for
   * inbound, CANCEL for outbound): the role of RFC 3261's Timer C, so that no call or
   * transaction can wait forever on an application or a peer that never decides. Default 180 s.
   */
  maxRingMs?: number;
  /** Media for outbound calls placed without explicit media (the app allocates RTP ports). */
  defaultMedia?: (call: SipCall) => LocalMedia;
  /**
   * Milliseconds per second of an RFC 4028 session interval (default 1000). Headers still say
   * seconds and the RFC's 90 s minimum still applies; only tests shrink the clock with this.
   */
  sessionTimerUnitMs?: number;
}

/** Events of the user agent. */
export interface UserAgentEvents {
  /** An inbound call; the listener must ring/answer/reject it. */
  call: [SipCall];
  /** Input dropped without an answer, by reason. */
  dropped: [string];
  /** A malformed request answered with an error status. */
  malformed: [number];
  /** A response we sent, by status. */
  response: [number];
  /** A call began (either direction). */
  callStarted: [SipCall];
  /** A call ended (either direction). */
  callEnded: [SipCall];
}

/** The SIP user agent core. */
export class UserAgent extends EventEmitter<UserAgentEvents> implements CallServices {
  readonly t1Ms: number;
  readonly t2Ms: number;
  readonly sessionTimerUnitMs: number;
  private readonly log: SipLogger;
  private readonly dialogs = new Map<string, SipCall>();
  private readonly liveCalls = new Set<SipCall>();
  private draining = false;

  constructor(readonly options: UserAgentOptions) {
    super();
    this.log = options.logger ?? silentLogger;
    this.t1Ms = options.transactions.config.t1Ms;
    this.t2Ms = options.transactions.config.t2Ms;
    this.sessionTimerUnitMs = options.sessionTimerUnitMs ?? 1000;
    const { transport, transactions } = options;
    transport.onMessage((msg) => transactions.receive(msg));
    transport.onDrop((reason, source, err) => this.handleDrop(reason, source, err));
    transactions.onRequest((req, tx) => this.handleRequest(req, tx));
    transactions.onAck((ack) => this.handleAck(ack));
    transactions.onStrayResponse((res) => this.handleStray(res));
  }

  /** Calls that have not ended. */
  calls(): SipCall[] {
    return [...this.liveCalls];
  }

  /** Places an outbound call; see {@link OutboundCallOptions}. */
  call(target: string, opts: OutboundCallOptions = {}): Promise<SipCall> {
    if (this.draining) return Promise.reject(new Error('user agent is shutting down'));
    return placeCall(this, target, opts);
  }

  /** The current binding of a registered user name, or undefined when it is not registered. */
  lookupUser(user: string): Promise<Binding | undefined> {
    return lookupUser(this, user);
  }

  // ---- CallServices ------------------------------------------------------------------------

  /** Media for an outbound call without explicit media. */
  defaultMedia(call: SipCall): LocalMedia {
    if (this.options.defaultMedia) return this.options.defaultMedia(call);
    const ep = this.options.transport.endpoints()[0];
    // Port 9 (discard) with inactive direction: a signalling-only call that asks for no audio.
    return { address: ep?.host ?? '127.0.0.1', port: 9, direction: 'inactive' };
  }

  /** Whether a protocol retransmits for us. */
  isReliable(protocol: TransportProtocol): boolean {
    return this.options.transport.isReliable(protocol);
  }

  /** Sends a request inside a dialog and resolves with its final response. */
  sendInDialog(dialog: Dialog, method: string, opts: InDialogOptions = {}): Promise<SipResponse> {
    const refresh = ['INVITE', 'UPDATE', 'REFER', 'NOTIFY', 'SUBSCRIBE'].includes(method);
    const headers: Array<[string, string]> = [
      ...(refresh ? [['Contact', this.contactFor(dialog.flow.protocol)] as [string, string]] : []),
      ...this.commonHeaders(),
      ...(opts.headers ?? []),
    ];
    const req = dialog.request(method, { ...opts, headers });
    this.addVia(req, dialog.flow.protocol);
    return this.nextHop(dialog).then((dest) => this.sendRequest(req, dest));
  }

  /**
   * Where an in-dialog request goes (RFC 3261 §12.2.1.1): the first hop of the route set when
   * there is one. Without a route set it reuses the flow the dialog was set up over, not the
   * Contact: phones behind NAT advertise addresses nobody can reach, and the flow keeps a TCP
   * or WebSocket connection in use.
   */
  private async nextHop(dialog: Dialog): Promise<TransportEndpoint> {
    if (dialog.routeSet.length === 0) return dialog.flow;
    try {
      const uri = parseUri(dialog.nextHopUri());
      if (!uri.params.has('transport') && uri.scheme === 'sip') {
        uri.params.set('transport', dialog.flow.protocol);
      }
      const dest = await this.options.transport.resolve(uri);
      const sameAsFlow =
        dest.protocol === dialog.flow.protocol &&
        dest.host === dialog.flow.host &&
        dest.port === dialog.flow.port;
      return sameAsFlow ? dialog.flow : dest;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'route set next hop unresolvable; using flow');
      return dialog.flow;
    }
  }

  /** Sends a request in a client transaction; timeouts and errors become 408/503. */
  sendRequest(req: SipRequest, dest: TransportEndpoint): Promise<SipResponse> {
    return new Promise((resolve) => {
      const local = (status: number): void => resolve(createResponse(req, status));
      this.options.transactions.sendRequest(req, dest, {
        onFinal: resolve,
        onTimeout: () => local(408),
        onTransportError: (err) => {
          this.log.warn({ err: err.message, method: req.method }, 'SIP send failed');
          local(503);
        },
      });
    });
  }

  /** Sends an ACK for a 2xx directly through the transport. */
  sendAck(dialog: Dialog, ack: SipRequest): void {
    if (!ack.headers.has('Via')) this.addVia(ack, dialog.flow.protocol);
    void this.nextHop(dialog)
      .then((dest) => this.options.transport.send(ack, dest))
      .catch((err: Error) => {
        this.log.warn({ err: err.message }, 'ACK send failed');
      });
  }

  /** Our Contact for a flow over `protocol`. */
  contactFor(protocol: TransportProtocol): string {
    const ep = this.options.transport.endpoint(protocol) ?? this.options.transport.endpoints()[0];
    const host = ep ? hostPort(ep.host, ep.port) : this.options.domain;
    const user = this.options.contactUser ?? 'switchboard';
    const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
    const scheme = protocol === 'tls' || protocol === 'wss' ? 'sips' : 'sip';
    return `<${scheme}:${user}@${host}${transport}>`;
  }

  /** Allow, Supported and Server headers. */
  commonHeaders(): Array<[string, string]> {
    return [
      ['Allow', ALLOWED_METHODS.join(', ')],
      ['Supported', SUPPORTED_OPTIONS.join(', ')],
      ['User-Agent', this.options.userAgentName ?? 'Switchboard'],
    ];
  }

  /** Sends a response on a transaction and reports it. */
  respond(tx: ServerTransaction, res: SipResponse): void {
    withToTag(res);
    tx.respond(res);
    this.emit('response', res.status);
  }

  /** Files a dialog. */
  addDialog(dialog: Dialog, call: SipCall): void {
    this.dialogs.set(dialog.key, call);
  }

  /** Forgets a dialog. */
  removeDialog(dialog: Dialog): void {
    this.dialogs.delete(dialog.key);
  }

  /** Removes an ended call. */
  callEnded(call: SipCall): void {
    if (this.liveCalls.delete(call)) this.emit('callEnded', call);
  }

  /** Registers a live call (outbound calls are created outside this class). */
  trackCall(call: SipCall): void {
    this.liveCalls.add(call);
    this.emit('callStarted', call);
  }

  /** host:port of a flow, for logs. */
  describe(flow: TransportEndpoint): string {
    return `${flow.protocol}:${hostPort(flow.host, flow.port)}`;
  }

  /** Puts a Via with a fresh branch and rport on top of an outgoing request. */
  addVia(req: SipRequest, protocol: TransportProtocol): void {
    const ep = this.options.transport.endpoint(protocol) ?? this.options.transport.endpoints()[0];
    const sentBy = ep ? hostPort(ep.host, ep.port) : this.options.domain;
    req.headers.prepend(
      'Via',
      `SIP/2.0/${protocol.toUpperCase()} ${sentBy};branch=${generateBranch()};rport`,
    );
  }

  // ---- inbound ------------------------------------------------------------------------------

  private handleDrop(reason: string, source: TransportEndpoint, err?: SipParseError): void {
    const partial = err?.partial;
    if (partial && partial.method !== 'ACK') {
      // We can say what was wrong: answer with the parser's status and a Warning naming it.
      try {
        const res = createResponse(partial, err.status, {
          reason: err.reason,
          headers: [warning(err.reason)],
        });
        withToTag(res);
        this.options.transport.sendResponse(res, source).catch(() => undefined);
        this.emit('malformed', err.status);
        this.emit('response', err.status);
        return;
      } catch {
        // The partial request lacked something a response needs: fall through to a drop.
      }
    }
    this.emit('dropped', reason);
  }

  private handleRequest(req: SipRequest, tx: ServerTransaction): void {
    try {
      this.dispatch(req, tx);
    } catch (err) {
      this.log.error({ err: (err as Error).message, method: req.method }, 'request handler failed');
      if (!tx.lastResponse || tx.lastResponse.status < 200) {
        this.respond(tx, createResponse(req, 500, { reason: 'Server Internal Error' }));
      }
    }
  }

  private dispatch(req: SipRequest, tx: ServerTransaction): void {
    const refusal = checkRequest(req);
    if (refusal) {
      const headers: Array<[string, string]> = [...refusal.headers, warning(refusal.reason)];
      this.respond(tx, createResponse(req, refusal.status, { reason: refusal.reason, headers }));
      this.emit('malformed', refusal.status);
      return;
    }
    const toTag = getTo(req).params.get('tag');
    if (toTag) {
      this.inDialog(req, tx, toTag);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.newInvite(req, tx);
        return;
      case 'OPTIONS':
        this.respond(
          tx,
          createResponse(req, 200, {
            headers: [['Accept', 'application/sdp'], ...this.commonHeaders()],
          }),
        );
        return;
      case 'REGISTER':
        background(this.register(req, tx));
        return;
      default:
        // BYE, INFO, PRACK, UPDATE, REFER, NOTIFY only make sense inside a dialog.
        this.respond(tx, createResponse(req, 481, { reason: 'Call/Transaction Does Not Exist' }));
    }
  }

  private async register(req: SipRequest, tx: ServerTransaction): Promise<void> {
    const registrar = this.options.registrar;
    if (!registrar) {
      this.respond(tx, createResponse(req, 405, { headers: this.commonHeaders() }));
      return;
    }
    try {
      this.respond(tx, await registrar.handle(req));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'registrar failed');
      this.respond(tx, createResponse(req, 500));
    }
  }

  private inDialog(req: SipRequest, tx: ServerTransaction, toTag: string): void {
    const fromTag = getFrom(req).params.get('tag') ?? '';
    const call = this.dialogs.get(dialogKey(getCallId(req), toTag, fromTag));
    if (!call || !call.dialog) {
      this.respond(tx, createResponse(req, 481, { reason: 'Call/Transaction Does Not Exist' }));
      return;
    }
    if (!call.dialog.acceptRemoteSeq(req)) {
      this.respond(tx, createResponse(req, 500, { reason: 'CSeq out of order' }));
      return;
    }
    call.handleRequest(req, tx);
  }

  private newInvite(req: SipRequest, tx: ServerTransaction): void {
    if (this.draining || this.options.transactions.draining) {
      this.respond(tx, createResponse(req, 503, { headers: [['Retry-After', '30']] }));
      return;
    }
    const se = readSessionExpires(req);
    if (se && se.intervalS < MIN_SESSION_EXPIRES_S) {
      const minSe: [string, string] = ['Min-SE', String(MIN_SESSION_EXPIRES_S)];
      this.respond(tx, createResponse(req, 422, { headers: [minSe] }));
      return;
    }
    if (se && readMinSe(req) > se.intervalS) {
      this.respond(tx, createResponse(req, 400, { reason: 'Session-Expires below Min-SE' }));
      return;
    }
    try {
      // The dialog this INVITE would create must be buildable (Record-Route, Contact): an
      // INVITE without a Contact leaves us no remote target (RFC 3261 §8.1.1.8 makes it MUST).
      const contact = getContacts(req)[0];
      if (!contact || contact === '*') throw new SipParseError(400, 'Missing Contact');
      Dialog.asUas(req, 'probe', 'early');
    } catch (err) {
      const reason =
        err instanceof SipParseError ? err.reason : 'unreadable Contact or Record-Route';
      this.respond(tx, createResponse(req, 400, { reason, headers: [warning(reason)] }));
      this.emit('malformed', 400);
      return;
    }
    const call = new SipCall(this, 'inbound', req, generateTag());
    call.serverTx = tx;
    tx.onCancel(() => call.cancelledByRemote());
    tx.onTransportError(() => call.finish({ reason: 'transport-error', by: 'system' }));
    this.trackCall(call);
    if (this.listenerCount('call') === 0) {
      call.reject(480, 'No application accepts calls');
      return;
    }
    this.log.info(
      {
        callId: call.id,
        transport: req.source?.protocol,
        sdp: !!sdpOf(req),
        // Addresses identify people too: only under pii, which the logger redacts.
        pii: { source: this.describe(req.source ?? tx.request.source!) },
      },
      'inbound call',
    );
    const ringLimit = setTimeout(() => {
      if (call.state === 'ringing') call.reject(480, 'No answer');
    }, this.maxRingMs);
    call.once('answered', () => clearTimeout(ringLimit));
    call.once('ended', () => clearTimeout(ringLimit));
    this.emit('call', call);
  }

  /** See {@link UserAgentOptions.maxRingMs}. */
  get maxRingMs(): number {
    return this.options.maxRingMs ?? 180_000;
  }

  private handleAck(ack: SipRequest): void {
    const toTag = getTo(ack).params.get('tag') ?? '';
    const fromTag = getFrom(ack).params.get('tag') ?? '';
    this.dialogs.get(dialogKey(getCallId(ack), toTag, fromTag))?.handleAck(ack);
  }

  /** A 2xx retransmission to an INVITE whose transaction ended: ACK it again (§13.2.2.4). */
  private handleStray(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300 || getCSeq(res).method !== 'INVITE') return;
    const toTag = getTo(res).params.get('tag') ?? '';
    const fromTag = getFrom(res).params.get('tag') ?? '';
    const call = this.dialogs.get(dialogKey(getCallId(res), fromTag, toTag));
    if (call?.dialog) {
      this.sendAck(call.dialog, call.dialog.request('ACK', { seq: getCSeq(res).seq }));
    }
  }

  /** Stops taking calls, ends live ones and waits for transactions to finish. */
  async shutdown(): Promise<void> {
    this.draining = true;
    await Promise.allSettled(this.calls().map((c) => c.hangup('shutdown')));
    await this.options.transactions.shutdown();
  }
}

/**
 * RFC 3261 §8.2.6.2: every response but 100 carries a To tag. Responses built for requests
 * outside a dialog (403, 422, 481, 503 …) have none yet; any fresh tag will do, since
 * no dialog follows from them.
 */
function withToTag(res: SipResponse): void {
  if (res.status === 100) return;
  const to = res.headers.get('To');
  if (to === undefined) return;
  try {
    if (getTo(res).params.has('tag')) return;
  } catch {
    return; // An unreadable To (a malformed request being answered) is echoed as it came.
  }
  res.headers.set('To', `${to};tag=${generateTag()}`);
}

/** Formats host:port with IPv6 brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
