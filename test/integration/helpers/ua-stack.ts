/**
 * Builds complete SIP stacks (TransportLayer + TransactionLayer + optional Registrar +
 * UserAgent) on loopback with ephemeral ports, so UA integration tests can make two real user
 * agents talk to each other over UDP and TCP.
 */
import type { TransportProtocol } from '../../../src/sip/message/index.js';
import { MemoryRegistrationStore, Registrar } from '../../../src/sip/registrar/index.js';
import { DigestChallenger } from '../../../src/sip/auth/index.js';
import { TransactionLayer } from '../../../src/sip/transaction/index.js';
import { TransportLayer } from '../../../src/sip/transport/index.js';
import { UserAgent, type SipCall } from '../../../src/sip/ua/index.js';

/** One running stack. */
export interface UaStack {
  transport: TransportLayer;
  transactions: TransactionLayer;
  ua: UserAgent;
  registrar?: Registrar;
  /** The bound port of `protocol`. */
  port(protocol: TransportProtocol): number;
  /** A SIP URI reaching this stack over `protocol`. */
  uri(user: string, protocol?: TransportProtocol): string;
  /** Shuts the user agent down and closes the sockets. */
  stop(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface UaStackOptions {
  /** T1 in ms; small values make 2xx/PRACK retransmission and 64*T1 timeouts quick. */
  t1Ms?: number;
  /** Adds a registrar (with digest auth for these users). */
  users?: Record<string, string>;
  /** Milliseconds per second of session interval (RFC 4028 timers in tests). */
  sessionTimerUnitMs?: number;
  /** User part of our Contact. */
  contactUser?: string;
  /** Longest unanswered ringing, either direction. */
  maxRingMs?: number;
}

/** Starts a stack listening on UDP and TCP at 127.0.0.1, ports 0. */
export async function startStack(opts: UaStackOptions = {}): Promise<UaStack> {
  const transport = new TransportLayer({
    udp: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
  });
  const t1Ms = opts.t1Ms ?? 50;
  const transactions = new TransactionLayer(transport, {
    t1Ms,
    t2Ms: Math.max(t1Ms * 8, 100),
    t4Ms: Math.max(t1Ms * 10, 100),
    shutdownTimeoutMs: 2_000,
  });
  let registrar: Registrar | undefined;
  let registrations: MemoryRegistrationStore | undefined;
  if (opts.users) {
    const users = opts.users;
    registrations = new MemoryRegistrationStore();
    registrar = new Registrar({
      store: registrations,
      challenger: new DigestChallenger({
        realm: '127.0.0.1',
        algorithms: ['MD5'],
        lookup: (username) => {
          const password = users[username];
          return password === undefined ? undefined : { password };
        },
      }),
    });
  }
  const ua = new UserAgent({
    transport,
    transactions,
    registrar,
    registrations,
    domain: '127.0.0.1',
    contactUser: opts.contactUser,
    sessionTimerUnitMs: opts.sessionTimerUnitMs,
    maxRingMs: opts.maxRingMs,
  });
  await transport.start();
  const port = (protocol: TransportProtocol): number => {
    const ep = transport.endpoint(protocol);
    if (!ep) throw new Error(`no ${protocol} endpoint`);
    return ep.port;
  };
  return {
    transport,
    transactions,
    ua,
    registrar,
    port,
    uri: (user, protocol = 'udp') =>
      `sip:${user}@127.0.0.1:${port(protocol)}${protocol === 'udp' ? '' : `;transport=${protocol}`}`,
    stop: async () => {
      await ua.shutdown();
      await transport.stop();
    },
  };
}

/**
 * Resolves or rejects like `promise`, or rejects naming `what` when it has not settled within
 * `ms`: a lost message must fail with a useful message, not hang until the test timeout.
 */
export function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next inbound call on `ua`. */
export function nextCall(ua: UserAgent, ms = 5_000): Promise<SipCall> {
  return within(new Promise<SipCall>((resolve) => ua.once('call', resolve)), 'inbound call', ms);
}

/** Resolves on the next `event` of a call (the argument-less events). */
export function nextEvent(
  call: SipCall,
  event: 'hold' | 'unhold' | 'ringing' | 'answered',
  ms = 5_000,
): Promise<void> {
  const fired = within(
    new Promise<void>((resolve) => call.once(event, () => resolve())),
    `call event ${event}`,
    ms,
  );
  // A test failing before it awaits this must not add an unhandled rejection to its failure.
  fired.catch(() => undefined);
  return fired;
}

/** Local media for tests: a made-up RTP port on loopback. */
export function media(port = 40_000): { address: string; port: number } {
  return { address: '127.0.0.1', port };
}
