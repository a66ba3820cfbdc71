/**
 * Transaction matching (RFC 3261 §17.1.3 for responses, §17.2.3 for requests). Matching is
 * reduced to map keys: a response or request yields the key of the transaction it belongs to,
 * and the layer looks the key up. The RFC 2543 fallback needs one comparison a key cannot
 * express (the ACK's To tag against the tag of the response that was sent), so it yields a key
 * plus a To tag that {@link legacyToTagMatches} checks.
 */
import {
  defaultPortFor,
  getCSeq,
  getCallId,
  getFrom,
  getTo,
  getVias,
  protocolFromToken,
} from '../message/index.js';
import type {
  NameAddr,
  SipMessage,
  SipRequest,
  SipResponse,
  TransportEndpoint,
  Via,
} from '../message/index.js';

/** The RFC 3261 branch prefix; branches without it come from RFC 2543 elements. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** The method a request is matched under: ACK belongs to the INVITE transaction. */
function matchMethod(method: string): string {
  return method === 'ACK' ? 'INVITE' : method;
}

/** The top Via, which every well-formed message has. */
function topVia(msg: SipMessage): Via {
  const via = getVias(msg)[0];
  if (!via) throw new Error('message has no Via header');
  return via;
}

/** The branch parameter of a Via, or undefined when absent or empty. */
function branchOf(via: Via): string | undefined {
  const branch = via.params.get('branch');
  return branch ? branch : undefined;
}

/** Host and port as written in a Via (the sent-by), normalised for comparison. */
function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/** A tag parameter, '' when absent. */
function tagOf(addr: NameAddr): string {
  return addr.params.get('tag') ?? '';
}

/** Joins key parts with a separator no header value can contain. */
function join(parts: ReadonlyArray<string | number>): string {
  return parts.join('\u0000');
}

/** Client transaction key for a request about to be sent: its top Via branch and method. */
export function clientKeyForRequest(req: SipRequest): string {
  const branch = branchOf(topVia(req));
  if (!branch) throw new Error('request to send has no Via branch');
  return join([branch, req.method]);
}

/**
 * The key of the client transaction a response belongs to (§17.1.3): top Via branch and CSeq
 * method — the method is needed because a CANCEL shares its INVITE's branch. Undefined when
 * the response has no branch and so cannot match anything.
 */
export function clientKeyForResponse(res: SipResponse): string | undefined {
  const branch = branchOf(topVia(res));
  if (!branch) return undefined;
  return join([branch, getCSeq(res).method]);
}

/** How a received request is matched against server transactions. */
export type ServerMatch =
  /** RFC 3261 branch: the key identifies the transaction on its own. */
  | { kind: 'branch'; key: string }
  /** RFC 2543 fallback: the key plus the request's To tag, compared separately. */
  | { kind: 'legacy'; key: string; toTag: string };

/**
 * The server transaction key for a received request (§17.2.3). With the magic cookie: branch,
 * sent-by and method (ACK matched as INVITE). Without it: Request-URI, From tag, Call-ID, CSeq
 * number, top Via and method, with the To tag returned for {@link legacyToTagMatches}.
 * `asMethod` overrides the method, which CANCEL matching uses to find the INVITE (§9.2).
 */
export function serverMatch(req: SipRequest, asMethod?: string): ServerMatch {
  const via = topVia(req);
  const method = asMethod ?? matchMethod(req.method);
  const branch = branchOf(via);
  if (branch?.startsWith(MAGIC_COOKIE)) {
    return { kind: 'branch', key: join(['b', branch, sentBy(via), method]) };
  }
  // The whole top Via takes part in the RFC 2543 comparison; received/rport are left out
  // because this side adds them and they are the same for every retransmission anyway.
  const viaId = join([via.transport.toUpperCase(), sentBy(via), branch ?? '']);
  const key = join([
    'l',
    method,
    getCallId(req),
    getCSeq(req).seq,
    tagOf(getFrom(req)),
    req.uri.trim(),
    viaId,
  ]);
  return { kind: 'legacy', key, toTag: tagOf(getTo(req)) };
}

/**
 * The To-tag part of the RFC 2543 comparison. A request (or CANCEL) matches when its To tag
 * equals the one in the request that created the transaction; an ACK matches when its To tag
 * equals the tag of the response the transaction sent (the UAS chose it).
 */
export function legacyToTagMatches(
  req: SipRequest,
  toTag: string,
  txRequest: SipRequest,
  lastResponse: SipResponse | undefined,
): boolean {
  if (req.method === 'ACK' && lastResponse) {
    const sentTag = tagOf(getTo(lastResponse));
    if (sentTag) return toTag === sentTag;
  }
  return toTag === tagOf(getTo(txRequest));
}

/**
 * Where responses to `req` go: the transport fills `source` on everything it delivers; a request
 * without one (built by hand) falls back to the top Via's received/rport/sent-by (§18.2.2),
 * with the Via transport's default port (80/443 for WS/WSS, RFC 7118 §5.2). A transport token
 * this stack does not speak falls back to UDP.
 */
export function requestSource(req: SipRequest): TransportEndpoint {
  if (req.source) return req.source;
  const via = topVia(req);
  const rport = Number(via.params.get('rport'));
  const protocol = protocolFromToken(via.transport) ?? 'udp';
  return {
    protocol,
    host: via.params.get('received') ?? via.host,
    port: rport > 0 ? rport : (via.port ?? defaultPortFor(protocol)),
  };
}
