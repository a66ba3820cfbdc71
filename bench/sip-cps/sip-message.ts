/**
 * The small slice of SIP the load generator needs: text builders for INVITE, ACK and BYE, and a
 * minimal response parser.
 *
 * Deliberately independent of `src/sip`: the benchmark must not share a parser with the server it
 * measures (a bug common to both would go unnoticed), and building requests from template strings
 * keeps the generator's own CPU cost low.
 */

/** Identity of one call's dialog as seen from the UAC. */
export interface CallIdentity {
  callId: string;
  fromTag: string;
  /** Local address and port of the UDP socket the call uses (goes into Via and Contact). */
  localHost: string;
  localPort: number;
  /** Request-URI host and port of the INVITE. */
  targetHost: string;
  targetPort: number;
  /** User part of the Request-URI and To, e.g. `1000`. */
  user: string;
}

/** What the generator reads from a response. */
export interface ParsedResponse {
  status: number;
  callId: string;
  cseq: number;
  method: string;
  /** Branch of the top Via, which identifies the client transaction. */
  branch: string | undefined;
  /** Tag of the To header, present on dialog-creating responses. */
  toTag: string | undefined;
  /** URI from the Contact header (the remote target for ACK and BYE). */
  contactUri: string | undefined;
}

/** Outcome of {@link parseResponse}: a response, a request (which the generator ignores), or junk. */
export type ParseResult =
  | { kind: 'response'; response: ParsedResponse }
  | { kind: 'request'; method: string }
  | { kind: 'invalid'; reason: string };

const CRLF = '\r\n';

/** Compact header forms (RFC 3261 §7.3.3) the parser must understand. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  t: 'to',
  f: 'from',
  m: 'contact',
  l: 'content-length',
};

/**
 * A small PCMU + telephone-event offer. No RTP is ever sent: the benchmark measures signalling,
 * but the server still gets a real offer to negotiate.
 */
export function buildSdpOffer(host: string, rtpPort: number, sessionId: number): string {
  return (
    [
      'v=0',
      `o=- ${sessionId} 1 IN IP4 ${host}`,
      's=sip-cps',
      `c=IN IP4 ${host}`,
      't=0 0',
      `m=audio ${rtpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
    ].join(CRLF) + CRLF
  );
}

function via(id: CallIdentity, branch: string): string {
  // rport (RFC 3581) asks the server to answer to the source port, which is the same socket.
  return `Via: SIP/2.0/UDP ${id.localHost}:${id.localPort};rport;branch=${branch}`;
}

function requestUri(id: CallIdentity): string {
  return `sip:${id.user}@${id.targetHost}:${id.targetPort}`;
}

function fromHeader(id: CallIdentity): string {
  return `From: "sip-cps" <sip:sip-cps@${id.localHost}>;tag=${id.fromTag}`;
}

function toHeader(id: CallIdentity, toTag: string | undefined): string {
  const base = `To: <sip:${id.user}@${id.targetHost}:${id.targetPort}>`;
  return toTag === undefined ? base : `${base};tag=${toTag}`;
}

function finish(headers: string[], body: string, contentType?: string): Buffer {
  if (contentType) headers.push(`Content-Type: ${contentType}`);
  headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(headers.join(CRLF) + CRLF + CRLF + body);
}

/** The initial INVITE with an SDP offer. Retransmissions resend these exact bytes. */
export function buildInvite(id: CallIdentity, branch: string, sdp: string): Buffer {
  return finish(
    [
      `INVITE ${requestUri(id)} SIP/2.0`,
      via(id, branch),
      'Max-Forwards: 70',
      fromHeader(id),
      toHeader(id, undefined),
      `Call-ID: ${id.callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:sip-cps@${id.localHost}:${id.localPort}>`,
      'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS',
      'User-Agent: switchboard-sip-cps',
    ],
    sdp,
    'application/sdp',
  );
}

/**
 * ACK for a final response to the INVITE.
 *
 * For a 2xx the ACK is its own transaction (new branch, Request-URI = the remote target from the
 * 200's Contact); for a non-2xx it belongs to the INVITE transaction (same branch, same
 * Request-URI), RFC 3261 §13.2.2.4 and §17.1.1.3.
 */
export function buildAck(
  id: CallIdentity,
  branch: string,
  toTag: string | undefined,
  remoteTarget: string | undefined,
): Buffer {
  return finish(
    [
      `ACK ${remoteTarget ?? requestUri(id)} SIP/2.0`,
      via(id, branch),
      'Max-Forwards: 70',
      fromHeader(id),
      toHeader(id, toTag),
      `Call-ID: ${id.callId}`,
      'CSeq: 1 ACK',
    ],
    '',
  );
}

/** BYE within the dialog the 200 created (CSeq 2, new branch). */
export function buildBye(
  id: CallIdentity,
  branch: string,
  toTag: string | undefined,
  remoteTarget: string | undefined,
): Buffer {
  return finish(
    [
      `BYE ${remoteTarget ?? requestUri(id)} SIP/2.0`,
      via(id, branch),
      'Max-Forwards: 70',
      fromHeader(id),
      toHeader(id, toTag),
      `Call-ID: ${id.callId}`,
      'CSeq: 2 BYE',
      'User-Agent: switchboard-sip-cps',
    ],
    '',
  );
}

const BRANCH_PARAM = /;\s*branch\s*=\s*([^;,\s]+)/i;
const TAG_PARAM = /;\s*tag\s*=\s*([^;,\s]+)/i;

/** A parameter of a header value (`;name=value`), looked up outside any `<...>` URI. */
function headerParam(value: string, pattern: RegExp): string | undefined {
  const close = value.lastIndexOf('>');
  const params = close >= 0 ? value.slice(close + 1) : value;
  return pattern.exec(params)?.[1];
}

/** The URI of a name-addr or addr-spec (`"x" <sip:a@b>;p` or `sip:a@b;p`). */
function addressUri(value: string): string | undefined {
  const open = value.indexOf('<');
  if (open >= 0) {
    const close = value.indexOf('>', open);
    return close > open ? value.slice(open + 1, close).trim() : undefined;
  }
  const bare = value.split(/[;,]/, 1)[0]?.trim();
  return bare ? bare : undefined;
}

/**
 * Parses the start line and the few headers the generator needs. Tolerates LF-only line ends,
 * header folding, compact header names and any header order; ignores the body.
 */
export function parseResponse(data: Buffer): ParseResult {
  // Headers are ASCII; latin1 decoding never throws and is the cheapest.
  let end = data.indexOf('\r\n\r\n');
  if (end < 0) end = data.indexOf('\n\n');
  const head = data.toString('latin1', 0, end < 0 ? data.length : end);
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const status = /^SIP\/2\.0\s+(\d{3})(?:\s|$)/i.exec(startLine);
  if (!status?.[1]) {
    const request = /^([A-Z]+)\s+\S+\s+SIP\/2\.0$/i.exec(startLine.trim());
    return request?.[1]
      ? { kind: 'request', method: request[1].toUpperCase() }
      : { kind: 'invalid', reason: 'bad start line' };
  }

  const headers = new Map<string, string>();
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.length === 0) continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      // Folded continuation of the previous header (RFC 3261 §7.3.1).
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    // Only the first occurrence matters: the top Via, the single To/Call-ID/CSeq.
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    last = name;
  }

  const callId = headers.get('call-id');
  const cseq = /^(\d+)\s+([A-Za-z]+)/.exec(headers.get('cseq') ?? '');
  if (!callId || !cseq?.[1] || !cseq[2]) return { kind: 'invalid', reason: 'missing Call-ID/CSeq' };
  // The first Via header may carry several comma-separated values; the top one comes first.
  const topVia = (headers.get('via') ?? '').split(',', 1)[0] ?? '';
  const to = headers.get('to');
  const contact = headers.get('contact');
  return {
    kind: 'response',
    response: {
      status: Number(status[1]),
      callId,
      cseq: Number(cseq[1]),
      method: cseq[2].toUpperCase(),
      branch: headerParam(topVia, BRANCH_PARAM),
      toTag: to === undefined ? undefined : headerParam(to, TAG_PARAM),
      contactUri: contact === undefined ? undefined : addressUri(contact),
    },
  };
}
