import { describe, expect, it } from 'vitest';
import { createRequest } from '../message/index.js';
import { sdpOf } from './body.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function withBody(type: string | undefined, body: string) {
  return createRequest({
    method: 'INVITE',
    uri: 'sip:a@b',
    headers: type ? [['Content-Type', type]] : [],
    body,
  });
}

function multipart(boundary: string, parts: string[], preamble = ''): string {
  return `${preamble}${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`;
}

describe('sdpOf', () => {
  it('returns an application/sdp body as is', () => {
    expect(sdpOf(withBody('application/sdp', SDP))).toBe(SDP);
    expect(sdpOf(withBody('Application/SDP; charset=utf-8', SDP))).toBe(SDP);
  });

  it('returns undefined without a body or with another type', () => {
    expect(sdpOf(withBody('application/sdp', ''))).toBeUndefined();
    expect(sdpOf(withBody('text/plain', SDP))).toBeUndefined();
    expect(sdpOf(withBody(undefined, SDP))).toBeUndefined();
  });

  it('finds the SDP part of multipart/mixed next to ISUP (SIP-I)', () => {
    const body = multipart(
      'unique-boundary-1',
      [
        'Content-Type: application/ISUP;version=itu-t92+\r\nContent-Disposition: signal;handling=optional\r\n\r\n\u0001\u0002\u0003',
        `Content-Type: application/sdp\r\n\r\n${SDP}`,
      ],
      'preamble text\r\n',
    );
    expect(sdpOf(withBody('multipart/mixed;boundary=unique-boundary-1', body))).toBe(SDP);
  });

  it('reads a quoted boundary and a part whose headers are lower-case', () => {
    const body = multipart('b 1', [`content-type: application/sdp\r\n\r\n${SDP}`]);
    expect(sdpOf(withBody('multipart/mixed; boundary="b 1"', body))).toBe(SDP);
  });

  it('returns undefined without a boundary or without an SDP part', () => {
    const body = multipart('x', ['Content-Type: text/plain\r\n\r\nhello']);
    expect(sdpOf(withBody('multipart/mixed', body))).toBeUndefined();
    expect(sdpOf(withBody('multipart/mixed;boundary=x', body))).toBeUndefined();
  });

  it('ignores parts after the closing delimiter', () => {
    const body = `--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n--x\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n`;
    expect(sdpOf(withBody('multipart/mixed;boundary=x', body))).toBeUndefined();
  });
});
