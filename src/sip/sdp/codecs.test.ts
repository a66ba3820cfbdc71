import type { MediaDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { CODECS, describeFormats, formatLabel, matchCodec, pickTelephoneEvent } from './codecs.js';
import type { PayloadFormat } from './codecs.js';

function mediaWith(
  rtp: MediaDescription['rtp'],
  fmtp: MediaDescription['fmtp'] = [],
): MediaDescription {
  return { type: 'audio', port: 4000, protocol: 'RTP/AVP', rtp, fmtp };
}

describe('CODECS', () => {
  it('records the RFC 3551 quirk of G722', () => {
    expect(CODECS.G722).toMatchObject({ payloadType: 9, clockRateHz: 8000, sampleRateHz: 16000 });
    expect(CODECS.opus).toMatchObject({ payloadType: 111, clockRateHz: 48000, channels: 2 });
  });
});

describe('describeFormats', () => {
  it('resolves rtpmap, static types, fmtp, and skips non-numeric tokens', () => {
    const media = mediaWith(
      [{ payload: 96, codec: 'opus', rate: 48000, encoding: 2 }],
      [{ payload: 96, config: 'useinbandfec=1' }],
    );
    expect(describeFormats(['96', '0', '*', '200', '98'], media)).toEqual([
      {
        payloadType: 96,
        encodingName: 'opus',
        clockRateHz: 48000,
        channels: 2,
        fmtp: 'useinbandfec=1',
      },
      { payloadType: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 1 },
      { payloadType: 98 },
    ]);
  });

  it('lets an rtpmap override the static meaning', () => {
    const media = mediaWith([{ payload: 8, codec: 'PCMU', rate: 8000 }]);
    expect(describeFormats(['8'], media)[0]?.encodingName).toBe('PCMU');
  });
});

describe('matchCodec', () => {
  it.each<[PayloadFormat, string | undefined]>([
    [{ payloadType: 0, encodingName: 'pcmu', clockRateHz: 8000 }, 'PCMU'],
    [{ payloadType: 97, encodingName: 'PCMA' }, 'PCMA'],
    [{ payloadType: 9, encodingName: 'G722', clockRateHz: 16000 }, undefined],
    [{ payloadType: 96, encodingName: 'Opus', clockRateHz: 48000, channels: 2 }, 'opus'],
    [{ payloadType: 96, encodingName: 'opus', clockRateHz: 16000 }, undefined],
    [{ payloadType: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 2 }, undefined],
    [{ payloadType: 18, encodingName: 'G729', clockRateHz: 8000 }, undefined],
    [{ payloadType: 98 }, undefined],
  ])('%o → %s', (format, expected) => {
    expect(matchCodec(format)).toBe(expected);
  });
});

describe('pickTelephoneEvent', () => {
  const events: PayloadFormat[] = [
    { payloadType: 0, encodingName: 'PCMU', clockRateHz: 8000 },
    { payloadType: 110, encodingName: 'telephone-event', clockRateHz: 48000 },
    { payloadType: 126, encodingName: 'Telephone-Event', clockRateHz: 8000 },
  ];

  it('prefers the codec clock, then 8000', () => {
    expect(pickTelephoneEvent(events, 48000)?.payloadType).toBe(110);
    expect(pickTelephoneEvent(events, 8000)?.payloadType).toBe(126);
    expect(pickTelephoneEvent(events.slice(0, 2), 8000)).toBeUndefined();
  });

  it('reads a rate-less telephone-event as 8000', () => {
    expect(
      pickTelephoneEvent([{ payloadType: 101, encodingName: 'telephone-event' }], 8000),
    ).toEqual({
      payloadType: 101,
      encodingName: 'telephone-event',
    });
  });
});

describe('formatLabel', () => {
  it('shows the name, the rate when not 8000, or the payload type', () => {
    expect(formatLabel({ payloadType: 8, encodingName: 'PCMA', clockRateHz: 8000 })).toBe('PCMA');
    expect(formatLabel({ payloadType: 96, encodingName: 'opus', clockRateHz: 48000 })).toBe(
      'opus/48000',
    );
    expect(formatLabel({ payloadType: 98 })).toBe('PT 98');
  });
});
