/**
 * The server as a user runs it: `tsx src/main.ts` in its own process with environment
 * configuration. Checks the banner, /health, OPTIONS, a call to the test extension, graceful
 * shutdown on SIGTERM (the live call gets a BYE, the process exits 0), and that a bad setting
 * stops start-up with a message naming it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const TSX = ['--import', 'tsx', 'src/main.ts'];

function startServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, TSX, {
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function output(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { text: () => text };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}

/** A scripted SIP phone on a UDP socket. */
class RawPhone {
  readonly inbox: string[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (m) => this.inbox.push(m.toString()));
  }
  static async open(): Promise<RawPhone> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new RawPhone(s);
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), port, '127.0.0.1');
  }
  async next(pattern: RegExp): Promise<string> {
    await expect
      .poll(() => this.inbox.some((m) => pattern.test(m)), { timeout: 10_000 })
      .toBe(true);
    const i = this.inbox.findIndex((m) => pattern.test(m));
    return this.inbox.splice(i, 1)[0]!;
  }
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('switchboard server process', () => {
  it('starts from the environment, answers, and stops gracefully on SIGTERM', async () => {
    child = startServer({
      SWITCHBOARD_SIP_HOST: '127.0.0.1',
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_RTP_PORT_MIN: '43000',
      SWITCHBOARD_RTP_PORT_MAX: '43100',
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-proc-')),
    });
    const out = output(child);
    await expect
      .poll(() => out.text(), { timeout: 20_000 })
      .toMatch(/HTTP\s+http:\/\/\S+:\d+\/health/);
    const sipPort = Number(/SIP\s+udp\s+127\.0\.0\.1:(\d+)/.exec(out.text())![1]);
    expect(out.text()).toMatch(/SIP\s+tcp\s+127\.0\.0\.1:\d+/);
    const httpPort = Number(/http:\/\/\S+:(\d+)\/health/.exec(out.text())![1]);

    const health = await fetch(`http://127.0.0.1:${httpPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const phone = await RawPhone.open();
    const head = (method: string, branch: string, cseq: number, toTag = '') =>
      `${method} sip:1000@127.0.0.1:${sipPort} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK-${branch};rport
From: <sip:tester@127.0.0.1>;tag=tt1
To: <sip:1000@127.0.0.1>${toTag}
Call-ID: proc-test-1
CSeq: ${cseq} ${method}
Contact: <sip:tester@127.0.0.1:${phone.port}>
Max-Forwards: 70
`;
    phone.send(
      `${head('OPTIONS', 'o1', 1).replace(/INVITE|OPTIONS sip:1000@/, 'OPTIONS sip:')}Content-Length: 0\n\n`,
      sipPort,
    );
    expect(await phone.next(/^SIP\/2\.0 200 OK[\s\S]*CSeq: 1 OPTIONS/)).toMatch(/Allow: .*INVITE/);

    const sdp =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n';
    phone.send(
      `${head('INVITE', 'i1', 2)}Content-Type: application/sdp\nContent-Length: ${sdp.length}\n\n${sdp}`,
      sipPort,
    );
    const ok = await phone.next(/^SIP\/2\.0 200 OK[\s\S]*CSeq: 2 INVITE/);
    expect(ok).toMatch(/m=audio (4[3]\d{3}) RTP\/AVP 0/);
    const toTag = /^To: .*(;tag=[^\s;]+)/m.exec(ok)![1]!;
    phone.send(`${head('ACK', 'a1', 2, toTag)}Content-Length: 0\n\n`, sipPort);
    expect(
      (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as object,
    ).toMatchObject({ calls: 1 });

    // SIGTERM: the live call must get a BYE before the process exits 0.
    child.kill('SIGTERM');
    const bye = await phone.next(/^BYE /);
    expect(bye).toMatch(/Call-ID: proc-test-1/);
    const via = /^Via: .*$/m.exec(bye)![0];
    const cseq = /^CSeq: .*$/m.exec(bye)![0];
    const from = /^From: .*$/m.exec(bye)![0];
    const to = /^To: .*$/m.exec(bye)![0];
    phone.send(
      `SIP/2.0 200 OK\n${via}\n${from}\n${to}\nCall-ID: proc-test-1\n${cseq}\nContent-Length: 0\n\n`,
      sipPort,
    );
    expect(await exitOf(child)).toBe(0);
    phone.socket.close();
  }, 60_000);

  it('prints the first admin key once and keeps its configuration across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-proc-'));
    const env = {
      SWITCHBOARD_SIP_HOST: '127.0.0.1',
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_RTP_PORT_MIN: '43200',
      SWITCHBOARD_RTP_PORT_MAX: '43300',
      SWITCHBOARD_DATA_DIR: dataDir,
    };
    const start = async (): Promise<{ text: () => string; httpPort: number }> => {
      child = startServer(env);
      const out = output(child);
      // The first start creates the embedded database: allow for a slow machine.
      await expect
        .poll(() => out.text(), { timeout: 40_000 })
        .toMatch(/HTTP\s+http:\/\/\S+:\d+\/health/);
      return {
        text: out.text,
        httpPort: Number(/http:\/\/\S+:(\d+)\/health/.exec(out.text())![1]),
      };
    };
    const first = await start();
    const key = /Admin API key[^\n]*\n\s+(sb_\S+)/.exec(first.text())?.[1];
    expect(key, 'the banner shows the first admin key').toBeDefined();
    const api = (port: number, path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      });
    expect((await fetch(`http://127.0.0.1:${first.httpPort}/v1/trunks/inbound`)).status).toBe(401);
    const created = await api(first.httpPort, '/v1/trunks/inbound', {
      method: 'POST',
      body: JSON.stringify({
        name: 'carrier',
        numbers: ['+861088886666'],
        allowedAddresses: ['203.0.113.0/24'],
      }),
    });
    expect(created.status).toBe(201);
    const docs = await fetch(`http://127.0.0.1:${first.httpPort}/docs/openapi.json`);
    expect(((await docs.json()) as { paths: object }).paths).toHaveProperty('/v1/trunks/inbound');
    child!.kill('SIGTERM');
    expect(await exitOf(child!)).toBe(0);

    const second = await start();
    expect(second.text()).not.toMatch(/Admin API key/);
    const listed = await api(second.httpPort, '/v1/trunks/inbound');
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as {
      items: Array<{ name: string; numbers: string[] }>;
    };
    // The first start found an empty database and also made the demo tenant's loopback trunk;
    // the restart keeps both and makes no second one.
    expect(items.map((t) => t.name).sort()).toEqual(['Demo: this machine', 'carrier']);
    child!.kill('SIGTERM');
    expect(await exitOf(child!)).toBe(0);
  }, 120_000);

  it('refuses to start with a bad setting and names it', async () => {
    child = startServer({
      SWITCHBOARD_SIP_PORT: 'seventy',
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-proc-')),
    });
    const out = output(child);
    expect(await exitOf(child)).toBe(1);
    expect(out.text()).toMatch(/sip\.port \(SWITCHBOARD_SIP_PORT\)/);
  }, 30_000);
});
