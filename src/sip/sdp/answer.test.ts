import { describe, expect, it } from 'vitest';
import { answerOffer } from './answer.js';
import { sdpDirection } from './direction.js';
import type { AnswerResult, LocalMedia } from './types.js';

/** Joins SDP lines the way peers send them: CRLF, with a final CRLF. */
function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

const LOCAL: LocalMedia = { address: '192.0.2.10', port: 40000, sessionId: 7, sessionVersion: 1 };

/** Unwraps a successful answer, failing the test with the reason otherwise. */
function ok(result: AnswerResult): Extract<AnswerResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected an answer, got: ${result.reason}`);
  return result;
}

/** The m= and a= lines of the answer's n-th media block. */
function mediaBlock(answer: string, n: number): string[] {
  const blocks = answer.split(/\r\n(?=m=)/);
  return (blocks[n + 1] ?? '').split('\r\n').filter((l) => l !== '');
}

const BARESIP = sdp(
  'v=0',
  'o=- 1851378416 2094452580 IN IP4 192.168.1.23',
  's=-',
  'c=IN IP4 192.168.1.23',
  't=0 0',
  'm=audio 10218 RTP/AVP 96 9 0 8 101',
  'b=AS:64',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 stereo=1;sprop-stereo=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:1290193413 cname:b0b1e6f2-5c43-4c77-a1bd-7f5d1b9e2c11',
  'a=rtcp-rsize',
  'a=ptime:20',
);

const LINPHONE = sdp(
  'v=0',
  'o=alice 3012 1734 IN IP4 192.168.0.50',
  's=Talk',
  'c=IN IP4 192.168.0.50',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 SILK/16000',
  'a=rtpmap:98 speex/16000',
  'a=fmtp:98 vbr=on',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
);

const TRUNK = sdp(
  'v=0',
  'o=Sonus_UAC 236724 145522 IN IP4 203.0.113.10',
  's=SIP Media Capabilities',
  'c=IN IP4 203.0.113.12',
  't=0 0',
  'm=audio 27330 RTP/AVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=maxptime:20',
  'a=ptime:20',
);

const WEBRTC_ISH = sdp(
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS',
  'm=audio 50312 RTP/AVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 198.51.100.7',
  'a=rtcp:50312 IN IP4 198.51.100.7',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
);

const VIDEO_AND_AUDIO = sdp(
  'v=0',
  'o=- 20518 0 IN IP4 198.51.100.20',
  's=-',
  'c=IN IP4 198.51.100.20',
  't=0 0',
  'm=video 16386 RTP/AVP 96 97',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 profile-level-id=42e01f',
  'a=rtpmap:97 VP8/90000',
  'm=audio 16384 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'm=application 5060 UDP/BFCP *',
);

describe('answerOffer with common peers', () => {
  it('answers a baresip offer with its first choice, opus, on its payload type', () => {
    const { answer, media } = ok(answerOffer(BARESIP, LOCAL));
    expect(media).toEqual({
      codec: {
        name: 'opus',
        payloadType: 96,
        clockRateHz: 48000,
        sampleRateHz: 48000,
        channels: 2,
      },
      dtmfPayloadType: 101,
      dtmfClockRateHz: 8000,
      ptimeMs: 20,
      remoteAddress: '192.168.1.23',
      remotePort: 10218,
      rtcpMux: false,
      direction: 'sendrecv',
      remoteDirection: 'sendrecv',
    });
    expect(mediaBlock(answer, 0)).toEqual([
      'm=audio 40000 RTP/AVP 96 101',
      'a=rtpmap:96 opus/48000/2',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      'a=sendrecv',
    ]);
  });

  it('follows the offer order among the local codecs, not the local order', () => {
    const { media } = ok(answerOffer(BARESIP, { ...LOCAL, codecs: ['PCMA', 'PCMU'] }));
    expect(media.codec.name).toBe('PCMU');
    expect(media.codec.payloadType).toBe(0);
  });

  it('records G722 with an 8000 Hz RTP clock and a 16 kHz sample rate', () => {
    const { media, answer } = ok(answerOffer(BARESIP, { ...LOCAL, codecs: ['G722'] }));
    expect(media.codec).toEqual({
      name: 'G722',
      payloadType: 9,
      clockRateHz: 8000,
      sampleRateHz: 16000,
      channels: 1,
    });
    expect(answer).toContain('a=rtpmap:9 G722/8000\r\n');
  });

  it('picks the telephone-event on the codec clock from a Linphone offer', () => {
    const opus = ok(answerOffer(LINPHONE, LOCAL)).media;
    expect(opus.codec.name).toBe('opus');
    expect(opus.dtmfPayloadType).toBe(101);
    const pcmu = ok(answerOffer(LINPHONE, { ...LOCAL, codecs: ['PCMU'] })).media;
    expect(pcmu.codec.payloadType).toBe(0);
    expect(pcmu.dtmfPayloadType).toBe(100);
  });

  it('answers a PCMA-only carrier trunk offer exactly', () => {
    const result = answerOffer(TRUNK, LOCAL);
    expect(result).toEqual({
      ok: true,
      answer: sdp(
        'v=0',
        'o=- 7 1 IN IP4 192.0.2.10',
        's=-',
        'c=IN IP4 192.0.2.10',
        't=0 0',
        'm=audio 40000 RTP/AVP 8 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
      ),
      media: {
        codec: { name: 'PCMA', payloadType: 8, clockRateHz: 8000, sampleRateHz: 8000, channels: 1 },
        dtmfPayloadType: 101,
        dtmfClockRateHz: 8000,
        ptimeMs: 20,
        remoteAddress: '203.0.113.12',
        remotePort: 27330,
        rtcpMux: false,
        direction: 'sendrecv',
        remoteDirection: 'sendrecv',
      },
    });
  });

  it('echoes rtcp-mux and the RTP/AVPF profile of a WebRTC-style offer', () => {
    const { answer, media } = ok(answerOffer(WEBRTC_ISH, LOCAL));
    expect(media.codec.payloadType).toBe(111);
    expect(media.dtmfPayloadType).toBe(110);
    expect(media.rtcpMux).toBe(true);
    expect(media.rtcpPort).toBe(50312);
    expect(media.remoteAddress).toBe('198.51.100.7');
    expect(mediaBlock(answer, 0)).toContain('a=rtcp-mux');
    expect(mediaBlock(answer, 0)[0]).toBe('m=audio 40000 RTP/AVPF 111 110');
  });

  it('declines rtcp-mux when the local side says so', () => {
    const { answer, media } = ok(answerOffer(WEBRTC_ISH, { ...LOCAL, rtcpMux: false }));
    expect(media.rtcpMux).toBe(false);
    expect(answer).not.toContain('rtcp-mux');
  });

  it('declines video and other streams with port 0, keeping m= line order', () => {
    const { answer, media } = ok(answerOffer(VIDEO_AND_AUDIO, LOCAL));
    expect(media.remotePort).toBe(16384);
    const mLines = answer.split('\r\n').filter((l) => l.startsWith('m='));
    expect(mLines).toEqual([
      'm=video 0 RTP/AVP 96 97',
      'm=audio 40000 RTP/AVP 0 101',
      'm=application 0 UDP/BFCP *',
    ]);
    expect(mediaBlock(answer, 0)).toEqual(['m=video 0 RTP/AVP 96 97']);
  });

  it('leaves out telephone-event when dtmf is off or not offered', () => {
    const off = ok(answerOffer(TRUNK, { ...LOCAL, dtmf: false }));
    expect(off.media.dtmfPayloadType).toBeUndefined();
    expect(off.answer).not.toContain('telephone-event');
    const noEvents = TRUNK.replace('RTP/AVP 8 101', 'RTP/AVP 8');
    expect(ok(answerOffer(noEvents, LOCAL)).media.dtmfPayloadType).toBeUndefined();
  });

  it('matches static payload types that come without rtpmap lines', () => {
    const bare = sdp(
      'v=0',
      'o=- 1 1 IN IP4 10.1.1.1',
      's=-',
      'c=IN IP4 10.1.1.1',
      't=0 0',
      'm=audio 4000 RTP/AVP 18 9 8',
    );
    const { answer, media } = ok(answerOffer(bare, LOCAL));
    expect(media.codec.name).toBe('G722');
    expect(answer).toContain('m=audio 40000 RTP/AVP 9\r\n');
  });

  it('matches dynamic codecs by name case-insensitively and by clock rate', () => {
    const offer = sdp(
      'v=0',
      'c=IN IP4 10.1.1.1',
      'm=audio 4000 RTP/AVP 98 107',
      'a=rtpmap:98 opus/16000/2',
      'a=rtpmap:107 OPUS/48000/2',
    );
    expect(ok(answerOffer(offer, LOCAL)).media.codec.payloadType).toBe(107);
  });

  it("honours the offer's ptime, else the local one", () => {
    const p30 = TRUNK.replace('a=ptime:20', 'a=ptime:30').replace('a=maxptime:20\r\n', '');
    const r30 = ok(answerOffer(p30, LOCAL));
    expect(r30.media.ptimeMs).toBe(30);
    expect(r30.answer).toContain('a=ptime:30\r\n');
    const none = TRUNK.replace('a=ptime:20\r\n', '');
    expect(ok(answerOffer(none, { ...LOCAL, ptimeMs: 40 })).media.ptimeMs).toBe(40);
    expect(ok(answerOffer(none, { address: '192.0.2.10', port: 4000 })).media.ptimeMs).toBe(20);
  });

  it('prefers the media-level c= over the session-level one', () => {
    const offer = TRUNK.replace(
      'm=audio 27330 RTP/AVP 8 101',
      'm=audio 27330 RTP/AVP 8 101\r\nc=IN IP4 203.0.113.99',
    );
    expect(ok(answerOffer(offer, LOCAL)).media.remoteAddress).toBe('203.0.113.99');
  });

  it('skips a disabled audio stream and answers the next live one', () => {
    const offer = sdp('v=0', 'c=IN IP4 10.1.1.1', 'm=audio 0 RTP/AVP 0', 'm=audio 5004 RTP/AVP 8');
    const { answer, media } = ok(answerOffer(offer, LOCAL));
    expect(media.remotePort).toBe(5004);
    expect(answer).toContain('m=audio 0 RTP/AVP 0\r\nm=audio 40000 RTP/AVP 8\r\n');
  });

  it('writes IN IP6 lines for an IPv6 local address and reads IPv6 offers', () => {
    const offer = sdp(
      'v=0',
      'o=- 1 1 IN IP6 2001:db8::20',
      's=-',
      'c=IN IP6 2001:db8::20',
      't=0 0',
      'm=audio 6000 RTP/AVP 0',
    );
    const { answer, media } = ok(answerOffer(offer, { ...LOCAL, address: '2001:db8::10' }));
    expect(media.remoteAddress).toBe('2001:db8::20');
    expect(answer).toContain('o=- 7 1 IN IP6 2001:db8::10\r\n');
    expect(answer).toContain('c=IN IP6 2001:db8::10\r\n');
  });

  it('uses the session id and version as given, and a numeric id by default', () => {
    expect(ok(answerOffer(TRUNK, { ...LOCAL, sessionVersion: 2 })).answer).toContain(
      'o=- 7 2 IN IP4',
    );
    const fresh = ok(answerOffer(TRUNK, { address: '192.0.2.10', port: 4000 })).answer;
    expect(fresh).toMatch(/^v=0\r\no=- \d+ 0 IN IP4 192\.0\.2\.10\r\n/);
  });
});

describe('answerOffer refusals', () => {
  it('names the offered and supported codecs when none is common', () => {
    expect(answerOffer(TRUNK, { ...LOCAL, codecs: ['PCMU'] })).toEqual({
      ok: false,
      reason: 'No common codec: offered PCMA, telephone-event; supported PCMU',
    });
    const g729 = sdp(
      'v=0',
      'c=IN IP4 10.1.1.1',
      'm=audio 4000 RTP/AVP 18 98',
      'a=rtpmap:98 AMR-WB/16000',
    );
    const result = answerOffer(g729, LOCAL);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe(
      'No common codec: offered G729, AMR-WB/16000; supported PCMU, PCMA, G722, opus',
    );
  });

  it('refuses an offer with no live audio stream', () => {
    const videoOnly = sdp(
      'v=0',
      'c=IN IP4 10.1.1.1',
      'm=video 5000 RTP/AVP 96',
      'm=audio 0 RTP/AVP 0',
    );
    expect(answerOffer(videoOnly, LOCAL)).toEqual({
      ok: false,
      reason: 'No audio stream in the offer',
    });
    expect(answerOffer(sdp('v=0', 'c=IN IP4 10.1.1.1'), LOCAL).ok).toBe(false);
  });

  it('refuses SRTP/DTLS-only audio with a reason naming the profile', () => {
    const dtls = WEBRTC_ISH.replace('RTP/AVPF', 'UDP/TLS/RTP/SAVPF');
    const result = answerOffer(dtls, LOCAL);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^No common codec: .*UDP\/TLS\/RTP\/SAVPF/);
  });

  it('refuses an audio stream without any c= line', () => {
    const result = answerOffer(sdp('v=0', 'm=audio 4000 RTP/AVP 0'), LOCAL);
    expect(result).toEqual({
      ok: false,
      reason: 'Malformed SDP offer: no c= line for the audio stream',
    });
  });

  it.each([
    ['not text', 42, /body is not text/],
    ['empty', '', /body is empty/],
    ['prose', 'hello world', /first line must be v=0/],
    ['JSON', '{"type":"offer"}', /first line must be v=0/],
    [
      'wrong version',
      'v=1\r\nc=IN IP4 1.2.3.4\r\nm=audio 4 RTP/AVP 0\r\n',
      /first line must be v=0/,
    ],
    ['non-SDP line', 'v=0\r\nc=IN IP4 1.2.3.4\r\n<html>\r\n', /line 3 is not <type>=<value>/],
    [
      'port not numeric',
      'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio abc RTP/AVP 0\r\n',
      /port "abc" is not a port/,
    ],
    ['port too big', 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n', /port "70000"/],
    [
      'no formats',
      'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n',
      /needs media, port, proto/,
    ],
    ['bad c=', 'v=0\r\nc=IN IP4\r\nm=audio 4000 RTP/AVP 0\r\n', /bad c= line 2/],
    ['c= in ATM', 'v=0\r\nc=ATM NSAP 47\r\nm=audio 4000 RTP/AVP 0\r\n', /bad c= line 2/],
  ])('refuses a malformed offer (%s)', (_name, body, reason) => {
    const result = answerOffer(body as string, LOCAL);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('reports bad local media instead of throwing', () => {
    expect(answerOffer(TRUNK, { ...LOCAL, address: 'not-an-ip' })).toEqual({
      ok: false,
      reason: 'Local media: address "not-an-ip" is not an IPv4 or IPv6 address',
    });
    expect(answerOffer(TRUNK, { ...LOCAL, port: 0 }).ok).toBe(false);
  });

  it('never throws on mutated or random input', () => {
    // A small deterministic PRNG keeps the test reproducible.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sources = [BARESIP, LINPHONE, TRUNK, WEBRTC_ISH, VIDEO_AND_AUDIO];
    const alphabet = 'v=0mac IN IP4 RTP/AVP \r\n:/0123456789abcdefg.-*';
    for (let i = 0; i < 2000; i += 1) {
      const source = sources[next(sources.length)] ?? TRUNK;
      const chars = source.split('');
      for (let k = 0; k < 1 + next(8); k += 1) {
        chars[next(chars.length)] = alphabet[next(alphabet.length)] ?? '';
      }
      const body = i % 10 === 0 ? chars.slice(0, next(chars.length)).join('') : chars.join('');
      const result = answerOffer(body, LOCAL);
      expect(typeof result.ok).toBe('boolean');
      // The catch-all guard in answerOffer must never be what saved us.
      if (!result.ok) expect(result.reason).not.toMatch(/^Could not answer/);
      expect(() => sdpDirection(body)).not.toThrow();
    }
  });
});

describe('answerOffer with L16', () => {
  const offer = sdp(
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.99',
    's=-',
    'c=IN IP4 192.0.2.99',
    't=0 0',
    'm=audio 30000 RTP/AVP 97 98',
    'a=rtpmap:97 L16/16000',
    'a=rtpmap:98 telephone-event/16000',
  );

  it('accepts L16/16000 when configured, with telephone-event on its clock', () => {
    const { answer, media } = ok(answerOffer(offer, { ...LOCAL, codecs: ['L16', 'PCMU'] }));
    expect(media.codec).toEqual({
      name: 'L16',
      payloadType: 97,
      clockRateHz: 16000,
      sampleRateHz: 16000,
      channels: 1,
    });
    expect(media.dtmfPayloadType).toBe(98);
    expect(media.dtmfClockRateHz).toBe(16000);
    expect(answer).toContain('a=rtpmap:97 L16/16000');
  });

  it('refuses it with the default codecs, which leave L16 out', () => {
    const result = answerOffer(offer, LOCAL);
    expect(result.ok).toBe(false);
  });
});
