/**
 * Fuzz test: 100,000 seeded random mutations of valid SIP messages go through the real
 * transport ingestion path, the parser, the transaction layer and the user agent core (with
 * calls being answered, rejected and hung up), and no exception may escape, no handler may
 * throw, and no transaction or call may be left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DigestChallenger,
  MemoryRegistrationStore,
  Registrar,
  TransactionLayer,
  TransportLayer,
  UserAgent,
  type TransportEndpoint,
} from '../../src/sip/index.js';
import { mutate, prng } from '../fixtures/sip-mutator.js';

const ITERATIONS = 100_000;
const SEED = 20261120;

const sdp =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

function msg(start: string, headers: string[], body = ''): string {
  const ct = body ? ['Content-Type: application/sdp'] : [];
  return [start, ...headers, ...ct, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join(
    '\r\n',
  );
}

function common(method: string, n: number, toTag = ''): string[] {
  return [
    `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-fz${n};rport`,
    `From: "Fuzz" <sip:fuzz@127.0.0.1>;tag=ff${n % 50}`,
    `To: <sip:1000@127.0.0.1>${toTag}`,
    `Call-ID: fuzz-${n % 200}@127.0.0.1`,
    `CSeq: ${n % 7} ${method}`,
    'Max-Forwards: 70',
    'Contact: <sip:fuzz@127.0.0.1:9>',
  ];
}

/** Valid seeds for mutation, covering every method the core handles. */
function seeds(n: number): string[] {
  return [
    msg(
      'INVITE sip:1000@127.0.0.1 SIP/2.0',
      [...common('INVITE', n), 'Supported: timer, 100rel', 'Session-Expires: 1800;refresher=uac'],
      sdp,
    ),
    msg('INVITE sip:2000@127.0.0.1 SIP/2.0', [...common('INVITE', n), 'Require: 100rel'], sdp),
    msg('OPTIONS sip:127.0.0.1 SIP/2.0', common('OPTIONS', n)),
    msg('REGISTER sip:127.0.0.1 SIP/2.0', [
      ...common('REGISTER', n),
      'Expires: 600',
      'Authorization: Digest username="alice", realm="switchboard", nonce="abc", uri="sip:127.0.0.1", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="x"',
    ]),
    msg('BYE sip:1000@127.0.0.1 SIP/2.0', common('BYE', n, ';tag=t1')),
    msg('ACK sip:1000@127.0.0.1 SIP/2.0', common('ACK', n, ';tag=t1')),
    msg('CANCEL sip:1000@127.0.0.1 SIP/2.0', common('CANCEL', n)),
    msg('INFO sip:1000@127.0.0.1 SIP/2.0', [...common('INFO', n, ';tag=t1')]),
    msg('REFER sip:1000@127.0.0.1 SIP/2.0', [
      ...common('REFER', n, ';tag=t1'),
      'Refer-To: <sip:2000@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>',
    ]),
    msg('UPDATE sip:1000@127.0.0.1 SIP/2.0', common('UPDATE', n, ';tag=t1'), sdp),
    msg('PRACK sip:1000@127.0.0.1 SIP/2.0', [...common('PRACK', n, ';tag=t1'), 'RAck: 1 1 INVITE']),
    msg('SIP/2.0 200 OK', common('INVITE', n, ';tag=t2'), sdp),
    msg('SIP/2.0 180 Ringing', common('INVITE', n, ';tag=t2')),
  ];
}

let transport: TransportLayer;
let transactions: TransactionLayer;
let ua: UserAgent;
const errors: string[] = [];

beforeAll(async () => {
  transport = new TransportLayer({ udp: { host: '127.0.0.1', port: 0 } });
  transport.onError((err, context) => errors.push(`${context}: ${err.stack ?? err.message}`));
  // A 1 ms T1 makes every timer (64*T1 = 64 ms) run many times within the test.
  transactions = new TransactionLayer(transport, { t1Ms: 1, t2Ms: 4, t4Ms: 5, timerDMs: 10 });
  const store = new MemoryRegistrationStore();
  const challenger = new DigestChallenger({
    realm: 'switchboard',
    lookup: async (u) => (u === 'alice' ? { password: 'secret' } : undefined),
  });
  ua = new UserAgent({
    transport,
    transactions,
    registrar: new Registrar({ store, challenger }),
    registrations: store,
    domain: '127.0.0.1',
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (obj, text) => errors.push(`${text ?? ''} ${JSON.stringify(obj)}`),
    },
  });
  let n = 0;
  ua.on('call', (call) => {
    n++;
    if (n % 3 === 0) call.reject(486, 'Busy Here');
    else if (call.answer({ media: { address: '127.0.0.1', port: 9 } }) && n % 2 === 0) {
      void call.hangup();
    } else call.ring();
  });
  await transport.start();
});

afterAll(async () => {
  await transport?.stop();
});

describe('SIP fuzzing through parser and UAS', () => {
  it(`survives ${ITERATIONS.toLocaleString('en')} random mutations`, async () => {
    const rand = prng(SEED);
    const source: TransportEndpoint = { protocol: 'udp', host: '127.0.0.1', port: 9 };
    let unexpected = 0;
    const onUncaught = (err: unknown): void => {
      unexpected++;
      errors.push(`uncaught: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const all = seeds(i);
        const data = mutate(all[i % all.length]!, rand);
        transport.inject(data, source);
        // Let timers, responses and handlers run between batches, as on a live socket.
        if (i % 500 === 499) await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    expect(errors).toEqual([]);
    expect(unexpected).toBe(0);
    const stats = transport.stats();
    // The fuzzer must have reached both outcomes: parsed messages and counted drops.
    expect(stats.received).toBeGreaterThan(ITERATIONS / 10);
    expect(stats.dropped['parse-error'] ?? 0).toBeGreaterThan(ITERATIONS / 10);
  }, 300_000);

  it('leaves no transaction or call behind after shutdown', async () => {
    await ua.shutdown();
    expect(transactions.activeCount()).toBe(0);
    expect(ua.calls()).toEqual([]);
  }, 60_000);
});
