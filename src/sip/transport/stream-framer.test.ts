import { describe, expect, it } from 'vitest';
import {
  StreamFramer,
  contentLengthValue,
  readContentLength,
  type FramerEvent,
} from './stream-framer.js';

function message(body = '', contentLengthHeader = `Content-Length: ${Buffer.byteLength(body)}`) {
  return (
    'OPTIONS sip:bob@example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1\r\n' +
    'Call-ID: abc\r\n' +
    `${contentLengthHeader}\r\n` +
    '\r\n' +
    body
  );
}

function texts(events: FramerEvent[]): string[] {
  return events.map((e) => {
    if (e.type === 'message') return e.data.toString('latin1');
    if (e.type === 'ping') return '<ping>';
    return `<error:${e.reason}>`;
  });
}

function pushAll(framer: StreamFramer, chunks: string[]): FramerEvent[] {
  return chunks.flatMap((c) => framer.push(Buffer.from(c, 'latin1')));
}

describe('StreamFramer', () => {
  it('emits a whole message delivered in one chunk', () => {
    const m = message('hello');
    expect(texts(new StreamFramer().push(Buffer.from(m)))).toEqual([m]);
  });

  it('reassembles a message split byte by byte', () => {
    const m = message('v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n');
    const framer = new StreamFramer();
    const events = pushAll(framer, [...m]);
    expect(texts(events)).toEqual([m]);
    expect(framer.buffered).toBe(0);
  });

  it('splits two messages arriving in one chunk, keeping the remainder', () => {
    const a = message('first');
    const b = message('second!');
    const framer = new StreamFramer();
    const events = framer.push(Buffer.from(a + b + 'OPTIONS sip:x SIP/2.0\r\n'));
    expect(texts(events)).toEqual([a, b]);
    expect(framer.buffered).toBe('OPTIONS sip:x SIP/2.0\r\n'.length);
  });

  it('handles a split that falls inside the CRLFCRLF and inside the body', () => {
    const m = message('0123456789');
    const cut = m.indexOf('\r\n\r\n') + 2;
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from(m.slice(0, cut)))).toEqual([]);
    expect(framer.push(Buffer.from(m.slice(cut, cut + 4)))).toEqual([]);
    expect(texts(framer.push(Buffer.from(m.slice(cut + 4))))).toEqual([m]);
  });

  it('accepts the compact form and odd spacing/case of Content-Length', () => {
    const m1 = message('abc', 'l: 3');
    const m2 = message('abcd', 'CONTENT-length :\t4');
    expect(texts(new StreamFramer().push(Buffer.from(m1 + m2)))).toEqual([m1, m2]);
  });

  it('counts the body in bytes, not characters', () => {
    const body = 'héllo';
    const m = message(body);
    const events = new StreamFramer().push(Buffer.from(m, 'utf8'));
    expect(events).toHaveLength(1);
    const first = events[0];
    expect(first?.type === 'message' && first.data.toString('utf8')).toBe(m);
  });

  it('skips CRLFs between messages', () => {
    const m = message('x');
    const framer = new StreamFramer();
    expect(texts(pushAll(framer, ['\r\n', m, '\r\n', m]))).toEqual([m, m]);
  });

  it('reports a CRLFCRLF keep-alive as a ping, also byte by byte', () => {
    const framer = new StreamFramer();
    expect(texts(framer.push(Buffer.from('\r\n\r\n')))).toEqual(['<ping>']);
    expect(texts(pushAll(framer, ['\r', '\n', '\r', '\n']))).toEqual(['<ping>']);
    const m = message();
    expect(texts(framer.push(Buffer.from(`\r\n\r\n${m}\r\n\r\n`)))).toEqual([
      '<ping>',
      m,
      '<ping>',
    ]);
    expect(framer.buffered).toBe(0);
  });

  it('holds a lone CRLF until it knows whether a ping follows', () => {
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from('\r\n'))).toEqual([]);
    expect(framer.buffered).toBe(2);
    const m = message();
    expect(texts(framer.push(Buffer.from(m)))).toEqual([m]);
  });

  it('fails on a missing Content-Length and then stays silent', () => {
    const framer = new StreamFramer();
    const m = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n';
    const events = framer.push(Buffer.from(m));
    expect(texts(events)).toEqual(['<error:missing-content-length>']);
    const first = events[0];
    expect(first?.type === 'error' && first.raw.toString()).toBe(m);
    expect(framer.failed).toBe(true);
    expect(framer.push(Buffer.from(message()))).toEqual([]);
  });

  it('delivers messages before a framing error in the same chunk', () => {
    const m = message('ok');
    const bad = 'OPTIONS sip:x SIP/2.0\r\nContent-Length: many\r\n\r\n';
    expect(texts(new StreamFramer().push(Buffer.from(m + bad)))).toEqual([
      m,
      '<error:bad-content-length>',
    ]);
  });

  it('rejects conflicting Content-Length values', () => {
    const m = message('', 'Content-Length: 0\r\nl: 5');
    expect(texts(new StreamFramer().push(Buffer.from(m)))).toEqual(['<error:bad-content-length>']);
  });

  it('fails once a header section without an end exceeds the limit', () => {
    const framer = new StreamFramer({ maxMessageBytes: 100 });
    expect(framer.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\n'))).toEqual([]);
    const events = framer.push(Buffer.from(`X-Pad: ${'a'.repeat(200)}`));
    expect(texts(events)).toEqual(['<error:header-too-large>']);
  });

  it('fails as soon as Content-Length announces an over-size message', () => {
    const framer = new StreamFramer({ maxMessageBytes: 200 });
    const events = framer.push(Buffer.from(message('', 'Content-Length: 500')));
    expect(texts(events)).toEqual(['<error:message-too-large>']);
  });

  it('reassembles many messages cut at every possible chunk size', () => {
    // Exercises the growable store: appends behind the view, sliding held bytes to the front,
    // and regrowing, with splits landing in start lines, CRLFCRLF, bodies and pings.
    const stream = [message('first'), '\r\n\r\n', message('x'.repeat(3000)), message()];
    const whole = stream.join('');
    const expected = [stream[0], '<ping>', stream[2], stream[3]];
    for (let size = 1; size <= 64; size++) {
      const framer = new StreamFramer();
      const chunks: string[] = [];
      for (let i = 0; i < whole.length; i += size) chunks.push(whole.slice(i, i + size));
      expect(texts(pushAll(framer, chunks))).toEqual(expected);
      expect(framer.buffered).toBe(0);
    }
  });

  it('frames a maximum-size message delivered byte by byte', () => {
    // Each byte used to re-copy everything held; this is bounded by the test timeout only.
    const body = 'b'.repeat(60_000);
    const m = message(body);
    const framer = new StreamFramer();
    const data = Buffer.from(m);
    const events: FramerEvent[] = [];
    for (let i = 0; i < data.length; i++) events.push(...framer.push(data.subarray(i, i + 1)));
    expect(texts(events)).toEqual([m]);
  });

  it('does not let later input overwrite a message already emitted', () => {
    const a = message('aaaa');
    const b = message('bbbb');
    const framer = new StreamFramer();
    const first = pushAll(framer, [...a]);
    pushAll(framer, [...b]);
    expect(texts(first)).toEqual([a]);
  });

  it('handles a Content-Length line padded with 60,000 blanks (no regex backtracking)', () => {
    const pad = ' '.repeat(60_000);
    const valid = message('abc', `Content-Length:${pad}3${pad.slice(0, 100)}`);
    expect(texts(new StreamFramer().push(Buffer.from(valid)))).toEqual([valid]);
    const invalid = message('', `Content-Length: 0${pad}x`);
    expect(texts(new StreamFramer().push(Buffer.from(invalid)))).toEqual([
      '<error:bad-content-length>',
    ]);
  });

  it('accepts a message of exactly the limit', () => {
    const m = message('abc');
    const framer = new StreamFramer({ maxMessageBytes: Buffer.byteLength(m) });
    expect(texts(framer.push(Buffer.from(m)))).toEqual([m]);
  });
});

describe('readContentLength', () => {
  it('ignores the start line and other headers', () => {
    expect(readContentLength('SIP/2.0 200 OK\r\nX-L: 7\r\nContent-Length: 12')).toBe(12);
    expect(readContentLength('l: 1\r\nCSeq: 1 INVITE')).toBe('missing-content-length');
  });

  it('stays linear on huge blank padding before a non-blank', () => {
    // Quadratic backtracking on this line would run far past the test timeout.
    const line = `Content-Length: 1${' '.repeat(1_000_000)}x`;
    expect(readContentLength(`A\r\n${line}`)).toBe('bad-content-length');
    expect(readContentLength(`A\r\nl  :${'\t'.repeat(1_000_000)}42`)).toBe(42);
  });

  it('rejects negative or non-numeric values', () => {
    expect(readContentLength('A\r\nContent-Length: -1')).toBe('bad-content-length');
    expect(readContentLength('A\r\nContent-Length:')).toBe('bad-content-length');
  });
});

describe('contentLengthValue', () => {
  it('reads full and compact forms, trimming only blanks', () => {
    expect(contentLengthValue('Content-Length: 12')).toBe('12');
    expect(contentLengthValue('CONTENT-LENGTH \t:\t 7 \t')).toBe('7');
    expect(contentLengthValue('l:0')).toBe('0');
    expect(contentLengthValue('L : 5')).toBe('5');
    expect(contentLengthValue('Content-Length:')).toBe('');
  });

  it('ignores other headers and folded lines', () => {
    expect(contentLengthValue('Content-Lengthy: 3')).toBeUndefined();
    expect(contentLengthValue('Lines: 3')).toBeUndefined();
    expect(contentLengthValue(' Content-Length: 3')).toBeUndefined();
    expect(contentLengthValue('Content-Length 3')).toBeUndefined();
    expect(contentLengthValue('')).toBeUndefined();
  });
});
