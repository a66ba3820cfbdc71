import { describe, expect, it } from 'vitest';
import { answerDirection, isDirection, isHoldOffer, sdpDirection } from './direction.js';
import type { Direction } from './types.js';

function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

const BASE = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];

describe('answerDirection', () => {
  it.each<[Direction, Direction | undefined, Direction]>([
    ['sendrecv', undefined, 'sendrecv'],
    ['sendonly', undefined, 'recvonly'],
    ['recvonly', undefined, 'sendonly'],
    ['inactive', undefined, 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendrecv', 'recvonly', 'recvonly'],
    ['sendrecv', 'inactive', 'inactive'],
    ['sendonly', 'sendonly', 'inactive'],
    ['sendonly', 'recvonly', 'recvonly'],
    ['recvonly', 'recvonly', 'inactive'],
    ['recvonly', 'sendrecv', 'sendonly'],
  ])('offered %s, local wants %s → %s', (offered, wants, expected) => {
    expect(answerDirection(offered, wants)).toBe(expected);
  });

  it('treats unknown values as the RFC default sendrecv', () => {
    expect(answerDirection('bogus' as Direction)).toBe('sendrecv');
    expect(isDirection('recvonly')).toBe(true);
    expect(isDirection('both')).toBe(false);
  });
});

describe('sdpDirection', () => {
  it('defaults to sendrecv', () => {
    expect(sdpDirection(sdp(...BASE, 'm=audio 4000 RTP/AVP 0'))).toBe('sendrecv');
  });

  it('prefers the media level, then the session level', () => {
    expect(sdpDirection(sdp(...BASE, 'a=sendonly', 'm=audio 4000 RTP/AVP 0'))).toBe('sendonly');
    expect(sdpDirection(sdp(...BASE, 'a=sendonly', 'm=audio 4000 RTP/AVP 0', 'a=recvonly'))).toBe(
      'recvonly',
    );
    expect(sdpDirection(sdp(...BASE, 'a=inactive'))).toBe('inactive');
  });

  it('reads the live audio stream, not video or a disabled audio line', () => {
    const body = sdp(
      ...BASE,
      'm=video 5000 RTP/AVP 96',
      'a=inactive',
      'm=audio 0 RTP/AVP 0',
      'a=inactive',
      'm=audio 4000 RTP/AVP 0',
      'a=sendonly',
    );
    expect(sdpDirection(body)).toBe('sendonly');
  });

  it('removes the receive half for a 0.0.0.0 or :: connection address', () => {
    const zero = (dir: string): string =>
      sdp('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0', `a=${dir}`);
    expect(sdpDirection(zero('sendrecv'))).toBe('sendonly');
    expect(sdpDirection(zero('sendonly'))).toBe('sendonly');
    expect(sdpDirection(zero('recvonly'))).toBe('inactive');
    expect(sdpDirection(zero('inactive'))).toBe('inactive');
    expect(sdpDirection(sdp('v=0', 'c=IN IP6 ::', 'm=audio 4000 RTP/AVP 0'))).toBe('sendonly');
  });

  it('uses the media-level address for the 0.0.0.0 rule', () => {
    const body = sdp('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 10.0.0.5');
    expect(sdpDirection(body)).toBe('sendrecv');
  });

  it('reads garbage as sendrecv instead of throwing', () => {
    expect(sdpDirection('not sdp')).toBe('sendrecv');
    expect(sdpDirection(undefined as unknown as string)).toBe('sendrecv');
  });
});

describe('isHoldOffer', () => {
  it.each([
    ['a=sendonly', true],
    ['a=inactive', true],
    ['a=recvonly', false],
    ['a=sendrecv', false],
  ])('%s → %s', (attribute, hold) => {
    expect(isHoldOffer(sdp(...BASE, 'm=audio 4000 RTP/AVP 0', attribute))).toBe(hold);
  });

  it('recognises the RFC 2543 c=0.0.0.0 hold', () => {
    expect(isHoldOffer(sdp('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0'))).toBe(true);
  });

  it('is false for garbage', () => {
    expect(isHoldOffer('')).toBe(false);
  });
});
