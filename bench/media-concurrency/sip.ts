/**
 * The slice of SIP the media benchmark needs, as text: a tolerant parser for requests and
 * responses, builders for the requests the generator sends (INVITE, ACK, BYE, REGISTER) and the
 * responses it gives (to the server's INVITE and BYE in bridge mode), SDP offer/answer of one
 * PCMU stream, and a digest (RFC 7616/2617) client for REGISTER.
 *
 * Independent of `src/sip` on purpose: a parser bug shared by the server and its load generator
 * would go unnoticed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PCMU_PT, TELEPHONE_EVENT_PT } from './rtp-stamp.js';

const CRLF = '\r\n';

/** Compact header forms (RFC 3261 §7.3.3). */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  t: 'to',
  f: 'from',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

/** A parsed SIP message: start line, headers (all values per lower-case name) and body. */
export interface SipMessage {
  kind: 'request' | 'response';
  /** Request method, or the CSeq method of a response. */
  method: string;
  /** Request-URI (requests only). */
  uri: string;
  /** Status code (responses only). */
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/**
 * Parses a datagram. Tolerates LF-only line ends, folding, compact names and any header order.
 *
 * @returns the message, or `undefined` for anything that is not SIP
 */
export function parseSip(data: Buffer): SipMessage | undefined {
  let sep = data.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (sep < 0) {
    sep = data.indexOf('\n\n');
    sepLen = 2;
  }
  const head = data.toString('latin1', 0, sep < 0 ? data.length : sep);
  const body = sep < 0 ? '' : data.toString('utf8', sep + sepLen);
  const lines = head.split(/\r?\n/);
  const start = (lines[0] ?? '').trim();
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.length === 0) continue;
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      const values = headers.get(last);
      if (values && values.length > 0) values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name) ?? [];
    // Via, Record-Route and similar may also fold several values into one line with commas; the
    // generator only ever copies them verbatim, so one entry per line is enough.
    list.push(value);
    headers.set(name, list);
    last = name;
  }
  const status = /^SIP\/2\.0\s+(\d{3})(?:\s|$)/i.exec(start);
  const cseqMethod = /^\d+\s+([A-Za-z]+)/.exec(headers.get('cseq')?.[0] ?? '')?.[1]?.toUpperCase();
  if (status?.[1]) {
    return {
      kind: 'response',
      method: cseqMethod ?? '',
      uri: '',
      status: Number(status[1]),
      headers,
      body,
    };
  }
  const request = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/i.exec(start);
  if (!request?.[1] || !request[2]) return undefined;
  return {
    kind: 'request',
    method: request[1].toUpperCase(),
    uri: request[2],
    status: 0,
    headers,
    body,
  };
}

/** First value of a header, or `undefined`. */
export function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(name)?.[0];
}

/** A `;name=value` parameter of a header value, looked up after any `<...>` URI. */
export function headerParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const close = value.lastIndexOf('>');
  const params = close >= 0 ? value.slice(close + 1) : value;
  return new RegExp(`;\\s*${name}\\s*=\\s*([^;,\\s]+)`, 'i').exec(params)?.[1];
}

/** The URI in a name-addr or addr-spec (`"x" <sip:a@b>;p` → `sip:a@b`). */
export function addressUri(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const open = value.indexOf('<');
  if (open >= 0) {
    const close = value.indexOf('>', open);
    return close > open ? value.slice(open + 1, close).trim() : undefined;
  }
  return value.split(/[;,]/, 1)[0]?.trim() || undefined;
}

/** The user part of a SIP URI (`sip:alice@host` → `alice`). */
export function uriUser(uri: string | undefined): string | undefined {
  const match = /^sips?:([^@;>]+)@/i.exec(uri ?? '');
  return match?.[1];
}

/** CSeq number of a message. */
export function cseqNumber(msg: SipMessage): number {
  return Number.parseInt(header(msg, 'cseq') ?? '', 10);
}

/** Branch of the top Via. */
export function topBranch(msg: SipMessage): string | undefined {
  const via = header(msg, 'via')?.split(',', 1)[0];
  return headerParam(via, 'branch');
}

/** A fresh RFC 3261 branch (magic cookie prefix). */
export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/** A fresh tag or Call-ID fragment. */
export function newToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

/** Where one RTP stream is, as read from an SDP body. */
export interface SdpMedia {
  address: string;
  port: number;
  /** Payload types of the m=audio line, in order. */
  payloadTypes: number[];
  rtcpMux: boolean;
}

/** An SDP offer or answer of one PCMU + telephone-event stream with rtcp-mux. */
export function buildSdp(host: string, rtpPort: number, sessionId: number): string {
  return (
    [
      'v=0',
      `o=- ${sessionId} 1 IN IP4 ${host}`,
      's=media-concurrency',
      `c=IN IP4 ${host}`,
      't=0 0',
      `m=audio ${rtpPort} RTP/AVP ${PCMU_PT} ${TELEPHONE_EVENT_PT}`,
      `a=rtpmap:${PCMU_PT} PCMU/8000`,
      `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
      `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`,
      // The generator binds one socket per stream: RTCP (ignored) shares it.
      'a=rtcp-mux',
      'a=ptime:20',
      'a=sendrecv',
    ].join(CRLF) + CRLF
  );
}

/** Reads the first audio stream of an SDP body, or `undefined` when there is none. */
export function parseSdp(body: string): SdpMedia | undefined {
  let sessionAddress: string | undefined;
  let mediaAddress: string | undefined;
  let port: number | undefined;
  let payloadTypes: number[] = [];
  let rtcpMux = false;
  let inAudio = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      if (port !== undefined) break; // only the first audio stream
      const m = /^m=audio\s+(\d+)(?:\/\d+)?\s+\S+\s*(.*)$/.exec(line);
      inAudio = m !== null;
      if (m?.[1]) {
        port = Number(m[1]);
        payloadTypes = (m[2] ?? '')
          .split(/\s+/)
          .filter((s) => s !== '')
          .map(Number);
      }
    } else if (line.startsWith('c=')) {
      const addr = /^c=IN\s+IP4\s+(\S+)/.exec(line)?.[1];
      if (inAudio) mediaAddress = addr;
      else if (port === undefined) sessionAddress = addr;
    } else if (inAudio && line === 'a=rtcp-mux') {
      rtcpMux = true;
    }
  }
  const address = mediaAddress ?? sessionAddress;
  if (port === undefined || address === undefined) return undefined;
  return { address, port, payloadTypes, rtcpMux };
}

/** One side of a dialog as the generator sees it. */
export interface DialogIds {
  callId: string;
  /** Our tag (From tag when we are the UAC, To tag when we are the UAS). */
  localTag: string;
  /** The peer's tag, once known. */
  remoteTag: string | undefined;
  /** Our URI, e.g. `sip:caller7@127.0.0.1`. */
  localUri: string;
  /** The peer's URI as in To/From. */
  remoteUri: string;
  /** Our Contact URI (host:port of the generator's SIP socket). */
  contact: string;
  /** Where in-dialog requests go (the peer's Contact), once known. */
  remoteTarget: string | undefined;
  /** Generator's SIP socket address for Via. */
  viaHost: string;
  viaPort: number;
}

function finish(lines: string[], body = '', contentType?: string): Buffer {
  if (contentType) lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(lines.join(CRLF) + CRLF + CRLF + body);
}

function via(d: DialogIds, branch: string): string {
  return `Via: SIP/2.0/UDP ${d.viaHost}:${d.viaPort};rport;branch=${branch}`;
}

/** A request within (or creating) a dialog where we are the UAC of the dialog. */
export function buildRequest(
  method: 'INVITE' | 'ACK' | 'BYE',
  d: DialogIds,
  cseq: number,
  branch: string,
  requestUri: string,
  body?: string,
): Buffer {
  const lines = [
    `${method} ${requestUri} SIP/2.0`,
    via(d, branch),
    'Max-Forwards: 70',
    `From: <${d.localUri}>;tag=${d.localTag}`,
    d.remoteTag === undefined ? `To: <${d.remoteUri}>` : `To: <${d.remoteUri}>;tag=${d.remoteTag}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${cseq} ${method}`,
  ];
  if (method === 'INVITE') {
    lines.push(`Contact: <${d.contact}>`, 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS');
  }
  lines.push('User-Agent: switchboard-media-bench');
  return body === undefined ? finish(lines) : finish(lines, body, 'application/sdp');
}

/** A REGISTER for `user` binding the generator's contact, with optional Authorization. */
export function buildRegister(
  user: string,
  registrarHost: string,
  registrarPort: number,
  contact: string,
  callId: string,
  fromTag: string,
  cseq: number,
  branch: string,
  viaHost: string,
  viaPort: number,
  expiresS: number,
  authorization?: string,
): Buffer {
  const aor = `sip:${user}@${registrarHost}:${registrarPort}`;
  const lines = [
    `REGISTER sip:${registrarHost}:${registrarPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${viaHost}:${viaPort};rport;branch=${branch}`,
    'Max-Forwards: 70',
    `From: <${aor}>;tag=${fromTag}`,
    `To: <${aor}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <${contact}>`,
    `Expires: ${expiresS}`,
    'User-Agent: switchboard-media-bench',
  ];
  if (authorization) lines.push(`Authorization: ${authorization}`);
  return finish(lines);
}

/**
 * A response to a request from the server: Via, From, Call-ID and CSeq copied, To given our tag
 * (RFC 3261 §8.2.6).
 */
export function buildResponse(
  req: SipMessage,
  status: number,
  reason: string,
  toTag: string | undefined,
  extra: string[] = [],
  body?: string,
): Buffer {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.headers.get('via') ?? []) lines.push(`Via: ${v}`);
  for (const rr of req.headers.get('record-route') ?? []) lines.push(`Record-Route: ${rr}`);
  const to = header(req, 'to') ?? '';
  lines.push(
    `From: ${header(req, 'from') ?? ''}`,
    toTag !== undefined && headerParam(to, 'tag') === undefined
      ? `To: ${to};tag=${toTag}`
      : `To: ${to}`,
    `Call-ID: ${header(req, 'call-id') ?? ''}`,
    `CSeq: ${header(req, 'cseq') ?? ''}`,
    ...extra,
  );
  return body === undefined ? finish(lines) : finish(lines, body, 'application/sdp');
}

/** Parameters of a `Digest` challenge. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: string;
  qop: string[];
}

/** Reads every Digest challenge of a 401/407 (`WWW-Authenticate` or `Proxy-Authenticate`). */
export function parseChallenges(msg: SipMessage): DigestChallenge[] {
  const values = [
    ...(msg.headers.get('www-authenticate') ?? []),
    ...(msg.headers.get('proxy-authenticate') ?? []),
  ];
  const out: DigestChallenge[] = [];
  for (const value of values) {
    if (!/^digest\s/i.test(value)) continue;
    const params = new Map<string, string>();
    const re = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      params.set((m[1] ?? '').toLowerCase(), m[2] ?? m[3] ?? '');
    }
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    if (realm === undefined || nonce === undefined) continue;
    out.push({
      realm,
      nonce,
      opaque: params.get('opaque'),
      algorithm: params.get('algorithm') ?? 'MD5',
      qop: (params.get('qop') ?? '')
        .split(',')
        .map((q) => q.trim())
        .filter((q) => q !== ''),
    });
  }
  return out;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/**
 * The `Authorization` value answering a challenge (qop=auth when offered, else RFC 2069 style).
 *
 * @returns the header value, or `undefined` for an algorithm this client does not speak
 */
export function digestAuthorization(
  challenge: DigestChallenge,
  method: string,
  uri: string,
  username: string,
  password: string,
): string | undefined {
  const algo = HASHES[challenge.algorithm.toUpperCase()];
  if (!algo) return undefined;
  const h = (s: string): string => createHash(algo).update(s).digest('hex');
  const ha1 = h(`${username}:${challenge.realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  const useQop = challenge.qop.includes('auth');
  const nc = '00000001';
  const cnonce = newToken(8);
  const response = useQop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username="${username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${uri}"`,
    `response="${response}"`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (useQop) parts.push('qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}
