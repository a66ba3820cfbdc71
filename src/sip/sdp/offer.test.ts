import { describe, expect, it } from 'vitest';
import { answerOffer } from './answer.js';
import { createOffer, isSdpFailure, readAnswer, readOrigin } from './offer.js';
import type { LocalMedia, NegotiatedMedia, SdpFailure } from './types.js';

function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

const LOCAL: LocalMedia = { address: '192.0.2.10', port: 40000, sessionId: 99, sessionVersion: 0 };

/** Unwraps negotiated media, failing the test with the reason otherwise. */
function media(result: NegotiatedMedia | SdpFailure): NegotiatedMedia {
  if (isSdpFailure(result)) throw new Error(`expected media, got: ${result.reason}`);
  return result;
}

describe('createOffer', () => {
  it('offers every default codec with standard payload types', () => {
    expect(createOffer(LOCAL)).toBe(
      sdp(
        'v=0',
        'o=- 99 0 IN IP4 192.0.2.10',
        's=-',
        'c=IN IP4 192.0.2.10',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 8 9 111 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:111 opus/48000/2',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ),
    );
  });

  it('keeps the local codec order and honours dtmf, ptime and direction', () => {
    const offer = createOffer({
      ...LOCAL,
      codecs: ['opus', 'PCMA'],
      dtmf: false,
      ptimeMs: 30,
      direction: 'sendonly',
    });
    expect(offer).toContain('m=audio 40000 RTP/AVP 111 8\r\n');
    expect(offer).not.toContain('telephone-event');
    expect(offer).toContain('a=ptime:30\r\na=sendonly\r\n');
    expect(offer).not.toContain('rtcp-mux');
  });

  it('offers rtcp-mux only when asked', () => {
    expect(createOffer({ ...LOCAL, rtcpMux: true })).toContain('a=rtcp-mux\r\n');
  });

  it('writes IN IP6 for an IPv6 address', () => {
    const offer = createOffer({ ...LOCAL, address: '2001:db8::1' });
    expect(offer).toContain('o=- 99 0 IN IP6 2001:db8::1\r\n');
    expect(offer).toContain('c=IN IP6 2001:db8::1\r\n');
  });

  it('generates a numeric session id when none is given', () => {
    const id = readOrigin(createOffer({ address: '10.0.0.1', port: 4000 }))?.sessionId;
    expect(id).toMatch(/^\d+$/);
  });

  it.each<[string, Partial<LocalMedia>]>([
    ['address', { address: 'pbx.example.com' }],
    ['port', { port: 70000 }],
    ['codec', { codecs: ['G729'] as unknown as LocalMedia['codecs'] }],
    ['empty codecs', { codecs: [] }],
    ['ptime', { ptimeMs: 0 }],
    ['session id', { sessionId: 'abc' }],
    ['session version', { sessionVersion: -1 }],
  ])('throws a TypeError for an invalid local %s', (_name, patch) => {
    expect(() => createOffer({ ...LOCAL, ...patch })).toThrow(TypeError);
  });
});

describe('readAnswer', () => {
  const OFFER = createOffer(LOCAL);

  it('reads a trunk answer to our offer', () => {
    const answer = sdp(
      'v=0',
      'o=Sonus_UAS 236724 145522 IN IP4 203.0.113.10',
      's=SIP Media Capabilities',
      'c=IN IP4 203.0.113.12',
      't=0 0',
      'm=audio 27330 RTP/AVP 8 101',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=sendrecv',
      'a=ptime:20',
    );
    expect(readAnswer(OFFER, answer)).toEqual({
      codec: { name: 'PCMA', payloadType: 8, clockRateHz: 8000, sampleRateHz: 8000, channels: 1 },
      dtmfPayloadType: 101,
      dtmfClockRateHz: 8000,
      ptimeMs: 20,
      remoteAddress: '203.0.113.12',
      remotePort: 27330,
      rtcpMux: false,
      direction: 'sendrecv',
      remoteDirection: 'sendrecv',
    });
  });

  it('round-trips with answerOffer', () => {
    const result = answerOffer(OFFER, { address: '198.51.100.5', port: 5000, codecs: ['G722'] });
    if (!result.ok) throw new Error(result.reason);
    const ours = media(readAnswer(OFFER, result.answer));
    expect(ours.codec).toEqual(result.media.codec);
    expect(ours.dtmfPayloadType).toBe(101);
    expect(ours.remoteAddress).toBe('198.51.100.5');
    expect(ours.remotePort).toBe(5000);
  });

  it("uses the answer's payload type numbers when they differ from ours", () => {
    const answer = sdp(
      'v=0',
      'c=IN IP4 10.0.0.2',
      'm=audio 6000 RTP/AVP 96',
      'a=rtpmap:96 opus/48000/2',
    );
    const result = media(readAnswer(OFFER, answer));
    expect(result.codec.name).toBe('opus');
    expect(result.codec.payloadType).toBe(96);
  });

  it('skips answered codecs we never offered and fails if none is left', () => {
    const extra = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 6000 RTP/AVP 18 0');
    expect(media(readAnswer(OFFER, extra)).codec.name).toBe('PCMU');
    const pcmaOnly = createOffer({ ...LOCAL, codecs: ['PCMA'] });
    expect(
      readAnswer(pcmaOnly, sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 6000 RTP/AVP 0 18')),
    ).toEqual({
      ok: false,
      reason: 'SDP answer has no codec from the offer: answered PCMU, G729',
    });
  });

  it('ignores telephone-event we did not offer', () => {
    const offer = createOffer({ ...LOCAL, dtmf: false });
    const answer = sdp(
      'v=0',
      'c=IN IP4 10.0.0.2',
      'm=audio 6000 RTP/AVP 0 101',
      'a=rtpmap:101 telephone-event/8000',
    );
    expect(media(readAnswer(offer, answer)).dtmfPayloadType).toBeUndefined();
  });

  it('fails when the audio stream is rejected or the m= lines do not line up', () => {
    const rejected = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 0 RTP/AVP 0');
    expect(readAnswer(OFFER, rejected)).toEqual({
      ok: false,
      reason: 'SDP answer rejected the audio stream (port 0)',
    });
    const two = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 6000 RTP/AVP 0', 'm=video 0 RTP/AVP 96');
    expect(isSdpFailure(readAnswer(OFFER, two))).toBe(true);
    const video = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=video 6000 RTP/AVP 96');
    expect(isSdpFailure(readAnswer(OFFER, video))).toBe(true);
  });

  it('fails cleanly on malformed answers and offers', () => {
    expect(readAnswer(OFFER, 'garbage')).toEqual({
      ok: false,
      reason: 'Malformed SDP answer: first line must be v=0',
    });
    expect(isSdpFailure(readAnswer('', OFFER))).toBe(true);
    expect(isSdpFailure(readAnswer(OFFER, sdp('v=0', 'm=audio 6000 RTP/AVP 0')))).toBe(true);
  });

  it('derives our direction from what we offered and what the peer answered', () => {
    const holdOffer = createOffer({ ...LOCAL, direction: 'sendonly', sessionVersion: 1 });
    const recvonly = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 6000 RTP/AVP 0', 'a=recvonly');
    const held = media(readAnswer(holdOffer, recvonly));
    expect(held.direction).toBe('sendonly');
    expect(held.remoteDirection).toBe('recvonly');
    const inactive = recvonly.replace('a=recvonly', 'a=inactive');
    expect(media(readAnswer(OFFER, inactive)).direction).toBe('inactive');
    const zero = sdp('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 6000 RTP/AVP 0');
    expect(media(readAnswer(OFFER, zero)).direction).toBe('recvonly');
  });

  it('needs rtcp-mux on both sides and reads ptime and a=rtcp', () => {
    const answer = sdp(
      'v=0',
      'c=IN IP4 10.0.0.2',
      'm=audio 6000 RTP/AVP 0',
      'a=rtcp:6001',
      'a=rtcp-mux',
      'a=ptime:40',
    );
    const plain = media(readAnswer(OFFER, answer));
    expect(plain.rtcpMux).toBe(false);
    expect(plain.rtcpPort).toBe(6001);
    expect(plain.ptimeMs).toBe(40);
    expect(media(readAnswer(createOffer({ ...LOCAL, rtcpMux: true }), answer)).rtcpMux).toBe(true);
    const noPtime = sdp('v=0', 'c=IN IP4 10.0.0.2', 'm=audio 6000 RTP/AVP 0');
    expect(media(readAnswer(createOffer({ ...LOCAL, ptimeMs: 30 }), noPtime)).ptimeMs).toBe(30);
  });
});

describe('readOrigin', () => {
  it('reads the session id and version so the caller can bump the version', () => {
    expect(readOrigin(createOffer({ ...LOCAL, sessionVersion: 4 }))).toEqual({
      sessionId: '99',
      sessionVersion: 4,
    });
    expect(readOrigin('v=0\r\nc=IN IP4 1.2.3.4\r\n')).toBeUndefined();
    expect(readOrigin('nonsense')).toBeUndefined();
  });
});
