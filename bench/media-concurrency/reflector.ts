/**
 * A minimal SIP + RTP reflector for calibrating the media generator: it answers every INVITE
 * with 200 and an SDP pointing at a fresh RTP socket, sends every RTP datagram straight back to
 * where the SDP offer said, and answers BYE with 200. No jitter buffer, no codec: it costs
 * almost nothing, so a run against it shows the generator's own limits.
 *
 * Runs as its own process (`node --import tsx bench/media-concurrency/reflector.ts --host
 * 127.0.0.1`), pinned like the server would be, so the generator keeps its core to itself.
 * Prints `READY <sip port>` on stdout once listening.
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import {
  buildResponse,
  buildSdp,
  header,
  newToken,
  parseSdp,
  parseSip,
  type SipMessage,
} from './sip.js';

interface ReflectedCall {
  socket: dgram.Socket;
  ok: Buffer;
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});
const host = values.host ?? '127.0.0.1';
const calls = new Map<string, ReflectedCall>();
const sip = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
let sessionId = 1;

function reply(data: Buffer, port: number, address: string): void {
  sip.send(data, port, address);
}

async function onInvite(
  req: SipMessage,
  callId: string,
  port: number,
  address: string,
): Promise<void> {
  const existing = calls.get(callId);
  if (existing) {
    reply(existing.ok, port, address);
    return;
  }
  const offer = parseSdp(req.body);
  if (!offer) {
    reply(buildResponse(req, 488, 'Not Acceptable Here', newToken(4)), port, address);
    return;
  }
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: host, port: 0 }, resolve));
  await new Promise<void>((resolve) => socket.connect(offer.port, offer.address, resolve));
  // Connected: every echo is a plain send() without an address lookup.
  socket.on('message', (packet) => socket.send(packet));
  socket.on('error', () => undefined);
  const ok = buildResponse(
    req,
    200,
    'OK',
    newToken(4),
    [`Contact: <sip:reflector@${host}:${sip.address().port}>`],
    buildSdp(host, socket.address().port, sessionId++),
  );
  calls.set(callId, { socket, ok });
  reply(ok, port, address);
}

sip.on('message', (data, rinfo) => {
  const msg = parseSip(data);
  if (!msg || msg.kind !== 'request') return;
  const callId = header(msg, 'call-id') ?? '';
  switch (msg.method) {
    case 'INVITE':
      void onInvite(msg, callId, rinfo.port, rinfo.address);
      return;
    case 'ACK':
      return;
    case 'BYE': {
      const call = calls.get(callId);
      calls.delete(callId);
      call?.socket.close();
      reply(
        buildResponse(msg, call ? 200 : 481, call ? 'OK' : 'Call Does Not Exist', undefined),
        rinfo.port,
        rinfo.address,
      );
      return;
    }
    default:
      reply(buildResponse(msg, 200, 'OK', newToken(4)), rinfo.port, rinfo.address);
  }
});

sip.bind({ address: host, port: Number(values.port ?? 0) }, () => {
  process.stdout.write(`READY ${sip.address().port}\n`);
});

const stop = (): void => {
  for (const call of calls.values()) call.socket.close();
  sip.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
