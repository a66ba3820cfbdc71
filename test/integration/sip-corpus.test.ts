/**
 * Runs the tortuous/malformed corpus (test/fixtures/sip-corpus.ts) against a real server over
 * real UDP: each message must get its expected status (with a Warning naming the problem for
 * malformed input), or be dropped and counted, and the server must keep serving afterwards.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Switchboard } from '../../src/app.js';
import { startTestSwitchboard } from '../fixtures/test-switchboard.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { CORPUS, type CorpusEntry } from '../fixtures/sip-corpus.js';

const WARNED = new Set([400, 405, 415, 416, 420, 483, 488, 501, 505]);

let sb: Switchboard;
let client: Socket;
let serverPort: number;
const inbox: string[] = [];
const waiters: Array<() => void> = [];
const drops: string[] = [];

function render(entry: CorpusEntry, port: number): Buffer {
  const text = typeof entry.text === 'function' ? entry.text() : entry.text;
  let msg = text.replaceAll('{PORT}', String(port));
  if (!entry.raw) msg = msg.replace(/\r?\n/g, '\r\n');
  const split = msg.indexOf('\r\n\r\n');
  const bodyLength = split < 0 ? 0 : Buffer.byteLength(msg.slice(split + 4));
  return Buffer.from(msg.replaceAll('{CL}', String(bodyLength)), 'latin1');
}

function callIdOf(msg: string): string | undefined {
  return /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(msg)?.[1];
}

/** Waits for a final response with this Call-ID (100 Trying skipped), or undefined. */
async function finalFor(callId: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const idx = inbox.findIndex((m) => callIdOf(m) === callId && !m.startsWith('SIP/2.0 100 '));
    if (idx >= 0) return inbox.splice(idx, 1)[0];
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise<void>((r) => {
      const t = setTimeout(r, left);
      waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }
}

function send(data: Buffer): void {
  client.send(data, serverPort, '127.0.0.1');
}

/** ACKs a final response to an INVITE so the server stops retransmitting it. */
function ackFinal(request: string, response: string): void {
  const status = Number(response.slice(8, 11));
  const toLine = /^To:.*$/im.exec(response)?.[0] ?? '';
  const head = request.split('\r\n\r\n')[0]!.split('\r\n');
  const line = (name: string) =>
    head.find((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  const uri = head[0]!.split(' ')[1];
  const cseq = /^CSeq:\s*(\d+)/im.exec(request)?.[1] ?? '1';
  const via =
    status >= 300
      ? line('Via')!
      : `Via: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK-ack${Date.now()}`;
  const ack = [
    `ACK ${uri} SIP/2.0`,
    via,
    line('From')!,
    toLine,
    line('Call-ID')!,
    `CSeq: ${cseq} ACK`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  send(Buffer.from(ack));
  if (status < 300) {
    const bye = ack
      .replace(/^ACK /, 'BYE ')
      .replace(/CSeq: \d+ ACK/, `CSeq: ${Number(cseq) + 1} BYE`)
      .replace(/branch=[^\s;\r]+/, `branch=z9hG4bK-bye${Date.now()}`);
    send(Buffer.from(bye));
  }
}

beforeAll(async () => {
  const config = loadConfig({
    env: {},
    overrides: {
      sip: {
        host: '127.0.0.1',
        port: 0,
        users: [{ username: 'alice', password: 'secret' }],
        domain: '127.0.0.1',
      },
      http: { host: '127.0.0.1', port: 0 },
      rtp: { portMin: 42000, portMax: 42998 },
      dataDir: '/tmp/switchboard-corpus-test',
    },
  });
  sb = await startTestSwitchboard(config, { logger: createLogger({ level: 'silent' }) });
  sb.ua.on('dropped', (reason) => drops.push(reason));
  serverPort = sb.sipEndpoints().find((e) => e.protocol === 'udp')!.port;
  client = createSocket('udp4');
  client.on('message', (m) => {
    inbox.push(m.toString('latin1'));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
});

afterAll(async () => {
  client?.close();
  await sb?.stop();
});

describe('malformed and tortuous SIP corpus', () => {
  it('has at least 40 entries with unique names', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CORPUS.map((e) => e.name)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((e) => [e.name, e] as const))('%s', async (_name, entry) => {
    const data = render(entry, client.address().port);
    const text = data.toString('latin1');
    const callId = callIdOf(text) ?? `none-${entry.name}`;
    const dropsBefore = drops.length;
    send(data);
    const outcome = entry.expect;
    if ('status' in outcome) {
      const res = await finalFor(callId, 3000);
      expect(res, 'a response').toBeDefined();
      expect(res!.slice(0, 12)).toBe(`SIP/2.0 ${outcome.status} `);
      if (WARNED.has(outcome.status)) expect(res).toMatch(/^Warning: 399 \S+ ".+"/m);
      if (outcome.header) {
        const [name, pattern] = outcome.header;
        expect(new RegExp(`^${name}:.*$`, 'im').exec(res!)?.[0]).toMatch(pattern);
      }
      if (/^INVITE /.test(text)) ackFinal(text, res!);
    } else if ('drop' in outcome) {
      await expect.poll(() => drops.length, { timeout: 3000 }).toBeGreaterThan(dropsBefore);
      expect(drops.slice(dropsBefore)).toContain(outcome.drop);
      expect(await finalFor(callId, 150)).toBeUndefined();
    } else {
      expect(await finalFor(callId, 300)).toBeUndefined();
      expect(drops.length).toBe(dropsBefore);
    }
  });

  it('counts drops in /metrics and still answers afterwards', async () => {
    const metrics = await sb.metrics.registry.getSingleMetricAsString(
      'switchboard_sip_messages_dropped_total',
    );
    expect(metrics).toMatch(/reason="parse-error"\} \d+/);
    const probe = `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK-final\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: corpus-final\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    send(Buffer.from(probe));
    expect((await finalFor('corpus-final', 3000))?.slice(0, 15)).toBe('SIP/2.0 200 OK\r');
  });
});
