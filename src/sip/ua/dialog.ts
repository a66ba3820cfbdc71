/**
 * A SIP dialog (RFC 3261 §12): the state two user agents share after an INVITE (or a
 * SUBSCRIBE/REFER) succeeds, and the rules for building requests inside it.
 */
import {
  createRequest,
  formatNameAddr,
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getTo,
  parseNameAddr,
  parseUri,
  type NameAddr,
  type SipRequest,
  type SipResponse,
  type TransportEndpoint,
} from '../message/index.js';

/** Identifies a dialog from our side: Call-ID plus our tag and theirs. */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

/** Dialog state (RFC 3261 §12.1). */
export interface DialogState {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our URI and the peer's, as in From/To of the dialog-creating request. */
  local: NameAddr;
  remote: NameAddr;
  /** Where in-dialog requests go: the peer's Contact, updated by target refresh. */
  remoteTarget: string;
  /** Route headers for in-dialog requests, in the order they are sent. */
  routeSet: string[];
  localSeq: number;
  /** Highest CSeq seen from the peer; undefined until its first request. */
  remoteSeq?: number;
  /** The transport flow the dialog was set up over; in-dialog requests reuse it. */
  flow: TransportEndpoint;
  /** 'early' after a provisional with a tag, 'confirmed' after a 2xx. */
  state: 'early' | 'confirmed' | 'terminated';
}

function uriOf(value: string): string {
  // Contact and Route values are name-addrs; the bare URI is what goes on the request line.
  const na = parseNameAddr(value);
  return na.uri.opaque !== undefined
    ? `${na.uri.scheme}:${na.uri.opaque}`
    : formatNameAddr({ uri: na.uri, params: new Map() }).replace(/^<|>$/g, '');
}

/** One dialog and the request-building rules of RFC 3261 §12.2.1.1. */
export class Dialog implements DialogState {
  callId: string;
  localTag: string;
  remoteTag: string;
  local: NameAddr;
  remote: NameAddr;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq?: number;
  flow: TransportEndpoint;
  state: 'early' | 'confirmed' | 'terminated';

  /** Throws SipParseError when the route set or remote target cannot be read. */
  constructor(init: DialogState) {
    // Validate now so that building requests later (a BYE from a timer) cannot fail.
    for (const route of init.routeSet) parseNameAddr(route);
    parseUri(init.remoteTarget);
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.local = init.local;
    this.remote = init.remote;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.flow = init.flow;
    this.state = init.state;
  }

  /** The key under which the user agent files this dialog. */
  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /** UAS side (§12.1.1): built from the request and the tag we put in our response. */
  static asUas(req: SipRequest, localTag: string, state: 'early' | 'confirmed'): Dialog {
    const from = getFrom(req);
    const to = getTo(req);
    const contact = getContacts(req)[0];
    return new Dialog({
      callId: getCallId(req),
      localTag,
      remoteTag: from.params.get('tag') ?? '',
      local: withTag(to, localTag),
      remote: from,
      remoteTarget: contact && contact !== '*' ? uriOf(formatNameAddr(contact)) : req.uri,
      routeSet: req.headers.getAll('Record-Route'),
      // Our own CSeq space starts anywhere below 2^31 (§8.1.1.5); small keeps it readable.
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: getCSeq(req).seq,
      flow: req.source ?? { protocol: 'udp', host: '127.0.0.1', port: 5060 },
      state,
    });
  }

  /** UAC side (§12.1.2): built from our request and the response that carries the peer's tag. */
  static asUac(req: SipRequest, res: SipResponse, flow: TransportEndpoint): Dialog {
    const contact = getContacts(res)[0];
    return new Dialog({
      callId: getCallId(req),
      localTag: getFrom(req).params.get('tag') ?? '',
      remoteTag: getTo(res).params.get('tag') ?? '',
      local: getFrom(req),
      remote: getTo(res),
      remoteTarget: contact && contact !== '*' ? uriOf(formatNameAddr(contact)) : req.uri,
      routeSet: res.headers.getAll('Record-Route').reverse(),
      localSeq: getCSeq(req).seq,
      flow,
      state: res.status >= 200 ? 'confirmed' : 'early',
    });
  }

  /** Applies a target refresh (§12.2): a re-INVITE/UPDATE or its 2xx carries a new Contact. */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const contact = getContacts(msg)[0];
    if (!contact || contact === '*') return;
    const target = uriOf(formatNameAddr(contact));
    parseUri(target);
    this.remoteTarget = target;
  }

  /**
   * Checks and records the CSeq of a request from the peer (§12.2.2). Returns false for an
   * out-of-order request, which must be answered 500.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    const { seq, method } = getCSeq(req);
    if (method === 'ACK' || method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /**
   * Builds a request inside the dialog (§12.2.1.1). `seq` reuses a CSeq number (ACK, CANCEL);
   * otherwise the local sequence advances. The caller adds Via and Contact.
   */
  request(
    method: string,
    opts: {
      seq?: number;
      headers?: Iterable<[string, string]>;
      body?: Buffer | string;
      contentType?: string;
    } = {},
  ): SipRequest {
    const seq = opts.seq ?? ++this.localSeq;
    const firstRoute = this.routeSet[0];
    const strict = firstRoute !== undefined && !parseNameAddr(firstRoute).uri.params.has('lr');
    // A strict router (RFC 2543) wants its own URI on the request line and the target last.
    const uri = strict ? uriOf(firstRoute) : this.remoteTarget;
    const routes = strict ? [...this.routeSet.slice(1), `<${this.remoteTarget}>`] : this.routeSet;
    const headers: Array<[string, string]> = [
      ['From', formatNameAddr(this.local)],
      ['To', formatNameAddr(this.remote)],
      ['Call-ID', this.callId],
      ['CSeq', `${seq} ${method}`],
      ['Max-Forwards', '70'],
      ...routes.map((r): [string, string] => ['Route', r]),
      ...(opts.headers ?? []),
    ];
    return createRequest({
      method,
      uri,
      headers,
      body: opts.body,
      contentType: opts.contentType,
    });
  }

  /** Where an in-dialog request goes: the first Route if any, else the remote target. */
  nextHopUri(): string {
    const first = this.routeSet[0];
    return first ? uriOf(first) : this.remoteTarget;
  }
}

function withTag(na: NameAddr, tag: string): NameAddr {
  const params = new Map(na.params);
  if (!params.has('tag')) params.set('tag', tag);
  return { ...na, params };
}
