import { describe, expect, it } from 'vitest';
import { isPing } from './ws-transport.js';

describe('isPing', () => {
  it('recognises exactly a CRLFCRLF frame', () => {
    expect(isPing(Buffer.from('\r\n\r\n', 'latin1'))).toBe(true);
  });

  it('rejects other frames, including ones that start with CRLFCRLF', () => {
    expect(isPing(Buffer.from('\r\n', 'latin1'))).toBe(false);
    expect(isPing(Buffer.from('\r\n\r\n\r\n', 'latin1'))).toBe(false);
    expect(isPing(Buffer.from('\n\r\n\r', 'latin1'))).toBe(false);
    expect(isPing(Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n', 'latin1'))).toBe(false);
    expect(isPing(Buffer.alloc(0))).toBe(false);
  });
});
