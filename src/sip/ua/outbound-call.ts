/**
 * Placing a call (the UAC side of INVITE, RFC 3261 §13.2): finds the target (a SIP URI or a
 * registered user), sends the INVITE with an SDP offer, answers digest challenges, PRACKs
 * reliable provisionals (RFC 3262), ACKs the 2xx, and cancels on hangup or ring timeout.
 */
import {
  createRequest,
  generateCallId,
  generateTag,
  getCSeq,
  getTo,
  parseUri,
  type SipRequest,
  type SipResponse,
  type TransportEndpoint,
  type TransportProtocol,
} from '../message/index.js';
import { DigestClient } from '../auth/index.js';
import type { Binding } from '../registrar/index.js';
import type { LocalMedia } from '../sdp/index.js';
import { Dialog } from './dialog.js';
import { background } from './guard.js';
import { optionTags } from './request-checks.js';
import { SipCall } from './sip-call.js';
import type { UserAgent } from './user-agent.js';

/** Options for an outbound call. */
export interface OutboundCallOptions {
  /** Caller: a user part (put in our domain) or a full SIP URI. Default 'switchboard'. */
  from?: string;
  /** Display name in From. */
  fromDisplayName?: string;
  /** Force a transport for a SIP URI target (otherwise its transport parameter or UDP). */
  transport?: TransportProtocol;
  /** Extra headers on the INVITE. */
  headers?: Array<[string, string]>;
  /** Cancel when not answered within this time (default: the user agent's maxRingMs). */
  timeoutMs?: number;
  /** Our media; defaults to the user agent's `defaultMedia` hook. */
  media?: LocalMedia;
  /** Credentials for a 401/407 challenge (trunks that authenticate us). */
  credentials?: { username: string; password: string };
}

/**
 * The called user has no registered contact. The user name is kept as a property, not in the
 * message, so that logging the message never writes personal data.
 */
export class UserNotRegisteredError extends Error {
  constructor(readonly user: string) {
    super('the called user is not registered');
    this.name = 'UserNotRegisteredError';
  }
}

/** Where to send an INVITE. */
interface Route {
  requestUri: string;
  toUri: string;
  dest: TransportEndpoint;
}

async function findRoute(ua: UserAgent, target: string, opts: OutboundCallOptions): Promise<Route> {
  const t = target.trim().replace(/^<|>$/g, '');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(t)) {
    const binding = await lookupUser(ua, t);
    if (!binding) throw new UserNotRegisteredError(t);
    const contact = parseUri(binding.contact);
    const dest = binding.source ?? (await ua.options.transport.resolve(contact));
    return { requestUri: binding.contact, toUri: `sip:${t}@${ua.options.domain}`, dest };
  }
  const uri = parseUri(t);
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips')
    throw new Error(`cannot call a ${uri.scheme}: URI`);
  if (opts.transport) uri.params.set('transport', opts.transport);
  const dest = await ua.options.transport.resolve(uri);
  return { requestUri: t, toUri: t, dest };
}

/** The first live binding of a registered user name, in our domain or under any host. */
export async function lookupUser(ua: UserAgent, user: string): Promise<Binding | undefined> {
  const registrar = ua.options.registrar;
  if (!registrar) return undefined;
  const exact = await registrar.lookup(`sip:${user}@${ua.options.domain}`);
  if (exact[0]) return exact[0];
  // Phones register under whatever host they were configured with (an IP, a name): accept any
  // AOR whose user part matches when our own domain finds nothing.
  const store = ua.options.registrations;
  if (!store) return undefined;
  for (const aor of (await store.all()).keys()) {
    if (aor.startsWith(`sip:${user}@`)) {
      const found = await registrar.lookup(aor);
      if (found[0]) return found[0];
    }
  }
  return undefined;
}

/** Places a call and returns it at once; await `call.answered` / `call.ended` for the outcome. */
export async function placeCall(
  ua: UserAgent,
  target: string,
  opts: OutboundCallOptions,
): Promise<SipCall> {
  const route = await findRoute(ua, target, opts);
  const fromTag = generateTag();
  const fromUri = opts.from?.includes(':')
    ? opts.from
    : `sip:${opts.from ?? 'switchboard'}@${ua.options.domain}`;
  const display = opts.fromDisplayName ? `"${opts.fromDisplayName.replace(/"/g, '')}" ` : '';
  const invite = createRequest({
    method: 'INVITE',
    uri: route.requestUri,
    headers: [
      ['From', `${display}<${fromUri}>;tag=${fromTag}`],
      ['To', `<${route.toUri}>`],
      ['Call-ID', generateCallId()],
      ['CSeq', '1 INVITE'],
      ['Max-Forwards', '70'],
      ['Contact', ua.contactFor(route.dest.protocol)],
      ...ua.commonHeaders(),
      ...(opts.headers ?? []),
    ],
  });
  const call = new SipCall(ua, 'outbound', invite, fromTag);
  const media = opts.media ?? ua.defaultMedia(call);
  invite.body = Buffer.from(call.makeOffer(media));
  invite.headers.set('Content-Type', 'application/sdp');
  ua.addVia(invite, route.dest.protocol);
  ua.trackCall(call);
  const auth = opts.credentials ? new DigestClient(opts.credentials) : undefined;
  send(ua, call, invite, route.dest, auth);
  const timer = setTimeout(() => {
    if (call.state !== 'answered') background(call.hangup());
  }, opts.timeoutMs ?? ua.maxRingMs);
  call.once('answered', () => clearTimeout(timer));
  call.once('ended', () => clearTimeout(timer));
  return call;
}

function send(
  ua: UserAgent,
  call: SipCall,
  req: SipRequest,
  dest: TransportEndpoint,
  auth: DigestClient | undefined,
): void {
  // Early dialogs by the callee's To tag: each PRACK (RFC 3262 §7.2) is a request inside the
  // early dialog, so the CSeq numbers of successive PRACKs — and of the requests that follow
  // the answer in the confirmed dialog — must go on increasing from one shared counter.
  const early = new Map<string, { dialog: Dialog; lastRseq: number }>();
  call.invite = req;
  call.clientTx = ua.options.transactions.sendRequest(req, dest, {
    onProvisional: (res) => {
      call.outboundProgress(res);
      const rseq = Number(res.headers.get('RSeq'));
      const tag = getTo(res).params.get('tag');
      if (!optionTags(res, 'Require').includes('100rel') || !tag || !Number.isInteger(rseq)) return;
      let entry = early.get(tag);
      if (!entry) {
        try {
          entry = { dialog: Dialog.asUac(req, res, dest), lastRseq: -1 };
        } catch {
          return; // Unreadable Contact/Record-Route: the PRACK cannot be addressed.
        }
        early.set(tag, entry);
      }
      // A retransmission (same RSeq) or an out-of-order one is not acknowledged again.
      if (rseq <= entry.lastRseq) return;
      entry.lastRseq = rseq;
      void prack(ua, entry.dialog, req, rseq);
    },
    onFinal: (res) => {
      if (res.status >= 200 && res.status < 300) {
        const tag = getTo(res).params.get('tag') ?? '';
        answered(ua, call, req, res, dest, early.get(tag)?.dialog.localSeq);
      } else if ((res.status === 401 || res.status === 407) && auth && !call.cancelRequested) {
        const retry = auth.authorize(req, res);
        if (retry) send(ua, call, retry, dest, auth);
        else call.outboundFailed(res.status, 'auth-failed');
      } else {
        call.outboundFailed(res.status, res.status === 487 ? 'cancelled' : `rejected`);
      }
    },
    onTimeout: () => call.outboundFailed(408, 'timeout'),
    onTransportError: () => call.outboundFailed(503, 'transport-error'),
  });
}

function answered(
  ua: UserAgent,
  call: SipCall,
  req: SipRequest,
  res: SipResponse,
  dest: TransportEndpoint,
  earlySeq: number | undefined,
): void {
  let dialog: Dialog;
  try {
    dialog = Dialog.asUac(req, res, dest);
  } catch {
    // A 2xx whose Contact or Record-Route cannot be read cannot be ACKed or ended properly.
    call.outboundFailed(502, 'bad-2xx');
    return;
  }
  // PRACKs used CSeq numbers after the INVITE's; in-dialog requests must go on from there.
  if (earlySeq !== undefined) dialog.localSeq = Math.max(dialog.localSeq, earlySeq);
  // §13.2.2.4 / §22: the ACK for a 2xx carries the credentials the INVITE carried.
  const credentials = ['Authorization', 'Proxy-Authorization'].flatMap((name) =>
    req.headers.getLines(name).map((v): [string, string] => [name, v]),
  );
  ua.sendAck(dialog, dialog.request('ACK', { seq: getCSeq(req).seq, headers: credentials }));
  if (call.cancelRequested || call.state === 'ended') {
    // The 2xx crossed our CANCEL: the call exists now, so it must be ended with a BYE.
    background(ua.sendInDialog(dialog, 'BYE'));
    call.outboundFailed(487, 'cancelled');
    return;
  }
  call.outboundAnswered(dialog, res);
}

async function prack(
  ua: UserAgent,
  early: Dialog,
  invite: SipRequest,
  rseq: number,
): Promise<void> {
  const req = early.request('PRACK', {
    headers: [['RAck', `${rseq} ${getCSeq(invite).seq} INVITE`]],
  });
  ua.addVia(req, early.flow.protocol);
  await ua.sendRequest(req, early.flow);
}
