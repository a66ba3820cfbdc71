import { describe, expect, it } from 'vitest';
import { createRequest } from '../message/index.js';
import { parseReplaces, readRefer, readSipfragStatus, sipfrag } from './refer.js';

function refer(headers: Array<[string, string]>) {
  return createRequest({ method: 'REFER', uri: 'sip:bob@example.com', headers });
}

describe('parseReplaces', () => {
  it('reads Call-ID, tags and early-only in any order and case', () => {
    expect(parseReplaces('abc@host;from-tag=f1;TO-TAG=t1')).toEqual({
      callId: 'abc@host',
      toTag: 't1',
      fromTag: 'f1',
      earlyOnly: false,
    });
    expect(parseReplaces(' abc ; to-tag = t ; from-tag = f ; early-only ').earlyOnly).toBe(true);
  });

  it.each([
    ['', /Call-ID/],
    [';to-tag=a;from-tag=b', /Call-ID/],
    ['abc;from-tag=b', /to-tag/],
    ['abc;to-tag=a', /from-tag/],
    ['abc;to-tag=;from-tag=b', /to-tag/],
  ])('rejects %j', (value, message) => {
    expect(() => parseReplaces(value)).toThrow(message);
  });
});

describe('readRefer', () => {
  it('reads the target, an escaped Replaces and Referred-By', () => {
    const got = readRefer(
      refer([
        [
          'Refer-To',
          '<sip:carol@example.com?Replaces=x%40y%3Bto-tag%3D1%3Bfrom-tag%3D2&Require=replaces>',
        ],
        ['Referred-By', '<sip:alice@example.com>'],
      ]),
    );
    expect(got.target.uri.user).toBe('carol');
    expect(got.replaces).toEqual({ callId: 'x@y', toTag: '1', fromTag: '2', earlyOnly: false });
    expect(got.referredBy).toBe('<sip:alice@example.com>');
  });

  it('accepts the compact form r and a target without Replaces', () => {
    const got = readRefer(refer([['r', 'sip:carol@example.com']]));
    expect(got.target.uri.host).toBe('example.com');
    expect(got.replaces).toBeUndefined();
    expect('referredBy' in got).toBe(false);
  });

  it('needs exactly one Refer-To', () => {
    expect(() => readRefer(refer([]))).toThrow(/exactly one/);
    expect(() =>
      readRefer(
        refer([
          ['Refer-To', '<sip:a@x>'],
          ['Refer-To', '<sip:b@x>'],
        ]),
      ),
    ).toThrow(/got 2/);
  });
});

describe('sipfrag', () => {
  it('round-trips a status line', () => {
    expect(sipfrag(180, 'Ringing')).toBe('SIP/2.0 180 Ringing\r\n');
    expect(readSipfragStatus(Buffer.from(sipfrag(603, 'Declined')))).toBe(603);
    expect(readSipfragStatus(Buffer.from('\r\nSIP/2.0 200 OK\r\nContact: x\r\n'))).toBe(200);
    expect(readSipfragStatus(Buffer.from('garbage'))).toBeUndefined();
  });
});
