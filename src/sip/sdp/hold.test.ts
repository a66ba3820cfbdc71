import { describe, expect, it } from 'vitest';
import { answerOffer } from './answer.js';
import { isHoldOffer, sdpDirection } from './direction.js';
import type { AnswerResult, LocalMedia } from './types.js';

function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

const LOCAL: LocalMedia = { address: '192.0.2.10', port: 40000, sessionId: 7, sessionVersion: 1 };

function ok(result: AnswerResult): Extract<AnswerResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected an answer, got: ${result.reason}`);
  return result;
}

/** A carrier trunk's initial INVITE offer; the tests derive re-INVITEs from it. */
const TRUNK = sdp(
  'v=0',
  'o=Sonus_UAC 236724 145522 IN IP4 203.0.113.10',
  's=SIP Media Capabilities',
  'c=IN IP4 203.0.113.12',
  't=0 0',
  'm=audio 27330 RTP/AVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  'a=ptime:20',
);

describe('answerOffer and hold', () => {
  const HOLD = TRUNK.replace('a=sendrecv', 'a=sendonly').replace('145522', '145523');

  it('answers a=sendonly with recvonly', () => {
    const { answer, media } = ok(answerOffer(HOLD, LOCAL));
    expect(media.direction).toBe('recvonly');
    expect(media.remoteDirection).toBe('sendonly');
    expect(answer).toContain('a=recvonly\r\n');
    expect(isHoldOffer(HOLD)).toBe(true);
  });

  it('answers recvonly with sendonly and inactive with inactive', () => {
    const recv = ok(answerOffer(TRUNK.replace('a=sendrecv', 'a=recvonly'), LOCAL)).media;
    expect(recv.direction).toBe('sendonly');
    const inactive = ok(answerOffer(TRUNK.replace('a=sendrecv', 'a=inactive'), LOCAL)).media;
    expect(inactive.direction).toBe('inactive');
  });

  it('treats c=0.0.0.0 (RFC 2543 hold) as sendonly from the remote side', () => {
    const old = TRUNK.replace('c=IN IP4 203.0.113.12', 'c=IN IP4 0.0.0.0');
    const { answer, media } = ok(answerOffer(old, LOCAL));
    expect(media.remoteDirection).toBe('sendonly');
    expect(media.direction).toBe('recvonly');
    expect(media.remoteAddress).toBe('0.0.0.0');
    expect(answer).toContain('c=IN IP4 192.0.2.10\r\n');
    expect(sdpDirection(old)).toBe('sendonly');
    expect(isHoldOffer(old)).toBe(true);
  });

  it('reads session-level direction and lets the media level win', () => {
    const session = TRUNK.replace('a=sendrecv\r\n', '').replace('t=0 0', 't=0 0\r\na=sendonly');
    expect(ok(answerOffer(session, LOCAL)).media.direction).toBe('recvonly');
    const both = TRUNK.replace('t=0 0', 't=0 0\r\na=inactive');
    expect(ok(answerOffer(both, LOCAL)).media.direction).toBe('sendrecv');
  });

  it('limits the answer to the local wish', () => {
    expect(ok(answerOffer(TRUNK, { ...LOCAL, direction: 'sendonly' })).media.direction).toBe(
      'sendonly',
    );
    expect(ok(answerOffer(HOLD, { ...LOCAL, direction: 'sendonly' })).media.direction).toBe(
      'inactive',
    );
  });
});
